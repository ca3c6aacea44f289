import type { WebClient } from "@slack/web-api";
import type { ApproverEvent, MessageRef, Notifier, RequesterEvent } from "../requests/ports.ts";
import type { Request } from "../requests/repository.ts";
import { approvalMessage } from "./views/approvalMessage.ts";
import { approverThreadMessage, type MessageContext, requesterMessage } from "./views/outcomeMessages.ts";

export interface NotifierOptions {
  approvalChannelId: string;
  requestTtlMs: number;
  /** Label shown for a tenant, or undefined when only one tenant is configured. */
  tenantLabel: (tenant: string) => string | undefined;
}

/** The domain's Notifier, with Slack messages. */
export class SlackNotifier implements Notifier {
  constructor(
    private readonly client: WebClient,
    private readonly options: NotifierOptions,
  ) {}

  private context(r: Request): MessageContext {
    return {
      approvalChannelId: this.options.approvalChannelId,
      tenantLabel: this.options.tenantLabel(r.tenant),
      requestTtlMs: this.options.requestTtlMs,
    };
  }

  async postForApproval(r: Request): Promise<MessageRef> {
    const message = approvalMessage(r, this.options.tenantLabel(r.tenant));
    const answer = await this.client.chat.postMessage({
      channel: this.options.approvalChannelId,
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!answer.ts || !answer.channel) throw new Error("chat.postMessage answered without a message ts");
    return { channelId: answer.channel, ts: answer.ts };
  }

  async refreshApprovalMessage(r: Request): Promise<void> {
    if (!r.approvalChannelId || !r.approvalMessageTs) return;
    const message = approvalMessage(r, this.options.tenantLabel(r.tenant));
    await this.client.chat.update({
      channel: r.approvalChannelId,
      ts: r.approvalMessageTs,
      text: message.text,
      blocks: message.blocks,
    });
  }

  async tellApprovers(r: Request, event: ApproverEvent): Promise<void> {
    if (!r.approvalChannelId || !r.approvalMessageTs) return;
    const message = approverThreadMessage(r, event, this.context(r));
    await this.client.chat.postMessage({
      channel: r.approvalChannelId,
      thread_ts: r.approvalMessageTs,
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
    });
  }

  /** A direct message; if that fails, an ephemeral note where the command was typed. */
  async tellRequester(r: Request, event: RequesterEvent): Promise<void> {
    const message = requesterMessage(r, event, this.context(r));
    try {
      await this.client.chat.postMessage({
        channel: r.requesterId,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
      });
    } catch (error) {
      if (!r.originChannelId) throw error;
      await this.client.chat.postEphemeral({
        channel: r.originChannelId,
        user: r.requesterId,
        text: message.text,
        blocks: message.blocks,
      });
    }
  }
}
