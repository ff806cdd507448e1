"""CloudWatch: ``AWS::CloudWatch::Alarm``, which moto's CloudFormation cannot make, as PutMetricAlarm makes it."""

from __future__ import annotations

from imegha_local.providers.base import Provider
from imegha_local.shims.core import LocalCloudUnsupported


class Alarm(Provider):
    """A metric alarm, as PutMetricAlarm makes it (moto evaluates none; the alarm exists to be described)."""

    TYPE = "AWS::CloudWatch::Alarm"
    NAME_PROPERTY = "AlarmName"
    ATTRIBUTES = ("Arn",)

    @classmethod
    def create(cls, name, properties, account_id, region):
        from moto.cloudwatch.models import cloudwatch_backends

        if "Metrics" in properties:
            raise LocalCloudUnsupported("metric-math alarms (Metrics) are not supported")
        alarm = cloudwatch_backends[account_id][region].put_metric_alarm(
            name=name,
            namespace=properties.get("Namespace"),
            metric_name=properties.get("MetricName"),
            comparison_operator=properties["ComparisonOperator"],
            evaluation_periods=int(properties["EvaluationPeriods"]),
            period=int(properties.get("Period", 60)),
            threshold=float(properties.get("Threshold", 0)),
            statistic=properties.get("Statistic"),
            description=properties.get("AlarmDescription"),
            dimensions=properties.get("Dimensions") or [],
            alarm_actions=properties.get("AlarmActions") or [],
            datapoints_to_alarm=properties.get("DatapointsToAlarm"),
            extended_statistic=properties.get("ExtendedStatistic"),
            ok_actions=properties.get("OKActions"),
            insufficient_data_actions=properties.get("InsufficientDataActions"),
            unit=properties.get("Unit"),
            actions_enabled=properties.get("ActionsEnabled", True),
            treat_missing_data=properties.get("TreatMissingData"),
        )
        return cls(name, account_id, region, {"Arn": alarm.alarm_arn})

    def delete(self, account_id, region):
        from moto.cloudwatch.models import cloudwatch_backends

        cloudwatch_backends[account_id][region].delete_alarms([self.physical_resource_id])
