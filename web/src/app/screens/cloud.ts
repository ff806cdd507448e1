/**
 * The person's own cloud: connect their AWS account (the ExternalId and the bootstrap stack, then the deployment
 * role it made), deploy it with the state machine's steps shown as they happen, its status, destroy it once they
 * have typed their iMTag.
 */

import type { JsonObject } from "../../crypto/index";
import { OwnCloud } from "../cloud";
import { append, field, h, show, valueOf } from "../dom";
import { text } from "../http";
import { t, type TextKey } from "../i18n";
import type { Session } from "../session";
import { alert, status } from "./account";
import { describe } from "./errors";

const STEPS: Record<string, TextKey> = {
  RecordInProgress: "cloud.step.RecordInProgress",
  AnnounceStarted: "cloud.step.AnnounceStarted",
  CreateOrUpdateStack: "cloud.step.CreateOrUpdateStack",
  DestroyStack: "cloud.step.DestroyStack",
  WaitForStack: "cloud.step.WaitForStack",
  CheckStack: "cloud.step.CheckStack",
  RecordSucceeded: "cloud.step.RecordSucceeded",
  RollBack: "cloud.step.RollBack",
  RecordFailed: "cloud.step.RecordFailed",
};

export class CloudScreen {
  private readonly cloud: OwnCloud;
  private readonly statusSection = h("section", { class: "card", "aria-labelledby": "cloud-status-heading" });
  private readonly actions = h("section", { class: "card", "aria-labelledby": "cloud-actions-heading" });
  private readonly steps = h("ol", { class: "steps", "data-testid": "deploy-steps", "aria-label": t("cloud.steps") });
  private readonly progress = status();
  private readonly error = alert();
  private busy = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly session: Session,
  ) {
    this.cloud = new OwnCloud(session);
  }

  async start(): Promise<void> {
    show(this.root, h("h2", { class: "screen-heading" }, t("cloud.heading")), this.statusSection, this.actions, this.progress, this.error);
    await this.refresh();
  }

  private async refresh(): Promise<void> {
    const cloud = await this.cloud.status();
    const deployment = typeof cloud.lastDeployment === "object" && cloud.lastDeployment !== null && !Array.isArray(cloud.lastDeployment) ? cloud.lastDeployment : null;
    const facts: [TextKey, string][] = [];
    if (typeof cloud.stackStatus === "string") facts.push(["cloud.stack", cloud.stackStatus]);
    if (typeof cloud.cloudAccountId === "string") facts.push(["cloud.account", cloud.cloudAccountId]);
    if (typeof cloud.cloudApiUrl === "string") facts.push(["cloud.api", cloud.cloudApiUrl]);
    if (deployment) facts.push(["cloud.lastDeployment", `${said(deployment.action)}: ${said(deployment.status)}${typeof deployment.reason === "string" ? ` (${deployment.reason})` : ""}`]);
    show(
      this.statusSection,
      h("h3", { id: "cloud-status-heading" }, t("cloud.statusHeading")),
      h("p", { "data-testid": "cloud-state" }, t(cloud.cloudApiUrl ? "cloud.deployed" : cloud.connected ? "cloud.connectedOnly" : "cloud.notConnected")),
      facts.length ? h("dl", { class: "facts" }, ...facts.flatMap(([label, value]) => [h("dt", {}, t(label)), h("dd", {}, value)])) : null,
    );
    if (!cloud.connected) this.showConnect();
    else this.showActions(Boolean(cloud.cloudApiUrl));
    if (typeof cloud.activeDeploymentId === "string") await this.following(cloud.activeDeploymentId);
  }

  /** Step 1: the ExternalId and the bootstrap stack to launch with it; step 2: the role it made. */
  private showConnect(): void {
    const get = h("button", { type: "button", class: "primary" }, t("cloud.getExternalId"));
    const details = h("div", {});
    get.addEventListener("click", () => {
      this.act(async () => {
        const connection = await this.cloud.connect();
        show(details, ...this.instructions(connection), this.roleForm());
        details.querySelector("input")?.focus();
      });
    });
    show(this.actions, h("h3", { id: "cloud-actions-heading" }, t("cloud.connectHeading")), h("p", {}, t("cloud.connectExplain")), get, details);
  }

  private instructions(connection: JsonObject): HTMLElement[] {
    const externalId = text(connection, "externalId");
    const stack = text(connection, "bootstrapStackName");
    const command = [
      `aws cloudformation deploy --stack-name ${stack} --capabilities CAPABILITY_NAMED_IAM \\`,
      "  --template-file bootstrap-role.yaml \\",
      `  --parameter-overrides PlatformAccountId=${text(connection, "platformAccountId")} ExternalId=${externalId}`,
    ].join("\n");
    const output = `aws cloudformation describe-stacks --stack-name ${stack} --query "Stacks[0].Outputs[?OutputKey=='DeploymentRoleArn'].OutputValue" --output text`;
    return [
      h("p", {}, t("cloud.externalId")),
      h("p", { class: "code", "data-testid": "external-id" }, externalId),
      h("p", {}, t("cloud.externalIdExplain")),
      h("p", {}, t("cloud.bootstrap")),
      h("pre", { class: "command", tabindex: "0", "aria-label": t("cloud.bootstrapCommand") }, command),
      h("p", {}, t("cloud.roleOutput")),
      h("pre", { class: "command", tabindex: "0", "aria-label": t("cloud.roleCommand") }, output),
    ];
  }

  private roleForm(): HTMLElement {
    const form = h(
      "form",
      { "aria-label": t("cloud.connect"), novalidate: true },
      field("role-arn", t("cloud.roleArn"), { autocomplete: "off", spellcheck: "false", required: true }),
      h("button", { type: "submit", class: "primary" }, t("cloud.connect")),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const roleArn = valueOf(form, "role-arn").trim();
      this.act(async () => {
        await this.cloud.recordRole(roleArn);
        this.progress.textContent = t("cloud.connected");
        await this.refresh();
      });
    });
    return form;
  }

  private showActions(deployed: boolean): void {
    const deployForm = h(
      "form",
      { "aria-label": t(deployed ? "cloud.update" : "cloud.deploy"), novalidate: true },
      field("alarm-email", t("cloud.alarmEmail"), { type: "email", autocomplete: "email" }),
      h("button", { type: "submit", class: "primary" }, t(deployed ? "cloud.update" : "cloud.deploy")),
    );
    deployForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.run("deploy", valueOf(deployForm, "alarm-email").trim());
    });
    const confirmForm = h(
      "form",
      { "aria-labelledby": "destroy-heading", novalidate: true, class: "danger-zone" },
      h("h4", { id: "destroy-heading" }, t("cloud.destroyHeading")),
      h("p", {}, t("cloud.destroyExplain", { imtag: this.session.imtag })),
      field("destroy-confirm", t("cloud.destroyConfirm", { imtag: this.session.imtag }), { autocomplete: "off", spellcheck: "false" }),
      h("button", { type: "submit", class: "danger" }, t("cloud.destroy")),
    );
    confirmForm.addEventListener("submit", (event) => {
      event.preventDefault();
      if (valueOf(confirmForm, "destroy-confirm").trim() !== this.session.imtag) {
        this.error.textContent = t("cloud.destroyMismatch", { imtag: this.session.imtag });
        return;
      }
      this.run("destroy");
    });
    show(
      this.actions,
      h("h3", { id: "cloud-actions-heading" }, t("cloud.actionsHeading")),
      deployForm,
      this.steps,
      deployed ? confirmForm : null,
    );
  }

  private run(action: "deploy" | "destroy", alarmEmail = ""): void {
    this.act(async () => {
      this.steps.replaceChildren();
      const requested = await this.cloud.request(action, alarmEmail);
      await this.following(text(requested, "deploymentId"));
    });
  }

  /** Follow a deployment, each step listed as it happens; then how it ended, and the status again. */
  private async following(deploymentId: string): Promise<void> {
    this.progress.textContent = t("cloud.following");
    const deployment = await this.cloud.follow(deploymentId, (step) => {
      const name = said(step.step);
      const key = STEPS[name];
      if (!key) return;
      const at = typeof step.at === "string" ? step.at.slice(11, 19) : "";
      const failed = typeof step.error === "string" ? ` (${step.error})` : "";
      append(this.steps, h("li", { "data-step": name }, h("time", {}, at), " ", t(key) + failed));
    });
    this.progress.textContent = "";
    if (deployment.status === "FAILED") {
      this.error.textContent = t("cloud.failed", { action: said(deployment.action), reason: said(deployment.reason) });
    } else {
      this.progress.textContent = t(deployment.action === "destroy" ? "cloud.destroyed" : "cloud.ready");
    }
    await this.refresh();
  }

  /** One thing at a time; its failure said plainly. */
  private act(work: () => Promise<void>): void {
    if (this.busy) return;
    this.busy = true;
    this.error.textContent = "";
    work()
      .catch((failure: unknown) => {
        this.progress.textContent = "";
        this.error.textContent = describe(failure);
      })
      .finally(() => { this.busy = false; });
  }
}

/** A field of an answer as a word to show: a string as it is, anything else as nothing. */
function said(value: unknown): string {
  return typeof value === "string" ? value : "";
}
