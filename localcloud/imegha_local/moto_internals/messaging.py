"""The internals of SNS, SQS and CloudWatch, which the providers and the event shims use."""

from __future__ import annotations

from imegha_local.moto_internals.entries import Internal, attribute, method

INTERNALS: tuple[Internal, ...] = (
    # moto.cloudwatch
    method("moto.cloudwatch.models.CloudWatchBackend.delete_alarms", "self, alarm_names", "providers.cloudwatch.Alarm"),
    method(
        "moto.cloudwatch.models.CloudWatchBackend.put_metric_alarm",
        "self, name, namespace, metric_name, comparison_operator, evaluation_periods, period, threshold, statistic,"
        " description, dimensions, alarm_actions, metric_data_queries, datapoints_to_alarm, extended_statistic, "
        "ok_actions, insufficient_data_actions, unit, actions_enabled, treat_missing_data, "
        "evaluate_low_sample_count_percentile, threshold_metric_id, rule, tags",
        "providers.cloudwatch.Alarm",
    ),
    attribute("moto.cloudwatch.models.cloudwatch_backends", "providers.cloudwatch.Alarm"),
    # moto.sns
    attribute("moto.sns.models.PlatformEndpoint.messages", "shims.sns._sns_delivers_to_subscribed_mobile_endpoints"),
    attribute(
        "moto.sns.models.SNSBackend.platform_endpoints",
        "shims.sns._sns_delivers_to_subscribed_mobile_endpoints",
        "shims.sns._sns_publishes_to_a_mobile_endpoint_as_its_platform_reads_it",
    ),
    method(
        "moto.sns.models.SNSBackend.publish",
        "self, message, arn, phone_number, subject, message_attributes, group_id, deduplication_id, message_structure",
        "shims.lambda_._failed_asynchronous_invocations_go_to_the_dead_letter_queue",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
        "shims.sns._sns_publishes_to_a_mobile_endpoint_as_its_platform_reads_it",
    ),
    method(
        "moto.sns.models.SNSBackend.set_subscription_attributes", "self, arn, name, value", "providers.sns.Subscription"
    ),
    method(
        "moto.sns.models.SNSBackend.set_topic_attribute",
        "self, topic_arn, attribute_name, attribute_value",
        "providers.sns.TopicPolicy",
    ),
    method("moto.sns.models.SNSBackend.subscribe", "self, topic_arn, endpoint, protocol", "providers.sns.Subscription"),
    method("moto.sns.models.SNSBackend.unsubscribe", "self, subscription_arn", "providers.sns.Subscription"),
    attribute(
        "moto.sns.models.Subscription._filter_policy_matcher", "shims.sns._sns_delivers_to_subscribed_mobile_endpoints"
    ),
    method(
        "moto.sns.models.Subscription.publish",
        "self, message, message_id, subject, message_attributes, group_id, deduplication_id, message_structure",
        "shims.sns._sns_delivers_to_subscribed_mobile_endpoints",
    ),
    attribute(
        "moto.sns.models.sns_backends",
        "shims.lambda_._failed_asynchronous_invocations_go_to_the_dead_letter_queue",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
        "shims.sns._sns_delivers_to_subscribed_mobile_endpoints",
        "providers.sns.TopicPolicy",
        "providers.sns.Subscription",
    ),
    method(
        "moto.sns.utils.FilterPolicyMatcher.matches",
        "self, message_attributes, message",
        "shims.sns._sns_delivers_to_subscribed_mobile_endpoints",
    ),
    # moto.sqs
    method(
        "moto.sqs.models.SQSBackend.send_message",
        "self, queue_name, message_body, message_attributes, delay_seconds, deduplication_id, group_id, "
        "system_attributes, validate_group_id",
        "shims.lambda_._failed_asynchronous_invocations_go_to_the_dead_letter_queue",
    ),
    method(
        "moto.sqs.models.SQSBackend.set_queue_attributes", "self, queue_name, attributes", "providers.sqs.QueuePolicy"
    ),
    attribute(
        "moto.sqs.models.sqs_backends",
        "shims.lambda_._failed_asynchronous_invocations_go_to_the_dead_letter_queue",
        "providers.sqs.QueuePolicy",
    ),
)
