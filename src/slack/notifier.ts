import type { WebClient } from "@slack/web-api";
import { errorMessage } from "../errorMessage.ts";
import type { AppLogger } from "../log.ts";
import type { ApproverEvent, MessageRef, Notifier, RequesterEvent } from "../requests/ports.ts";
import type { Request } from "../requests/request.ts";
import { approvalMessage } from "./surfaces/approvalMessage.ts";
import {
  approverThreadMessage,
  type MessageContext,
  requesterCard,
  requesterMessage,
  supersededCard,
} from "./surfaces/outcomeMessages.ts";

export interface NotifierOptions {
  log: AppLogger;
  approvalChannelId: string;
  requestTtlMs: number;
  /** Label shown for a tenant, or undefined when only one tenant is configured. */
  tenantLabel: (tenant: string) => string | undefined;
  /** Where the requester's first DM of each request is remembered, so it can be edited later. */
  requesterMessages?: RequesterMessageStore;
}

interface RequesterMessageStore {
  remember(requestId: number, ref: MessageRef): Promise<void>;
  lookup(requestId: number): Promise<MessageRef | undefined>;
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

  /** Re-renders the requester's first DM from the request's state; false when there is none to edit. */
  private async editRequesterCard(r: Request, ctx: MessageContext): Promise<boolean> {
    const ref = await this.options.requesterMessages?.lookup(r.id);
    if (!ref) return false;
    const card = requesterCard(r, ctx);
    try {
      await this.client.chat.update({ channel: ref.channelId, ts: ref.ts, text: card.text, blocks: card.blocks });
      return true;
    } catch (error) {
      // The outcome still reaches the requester as a DM of its own.
      this.options.log.event("warn", "requester_card_edit_failed", { request: r.id, error: errorMessage(error) });
      return false;
    }
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

  /**
   * A direct message; if that fails, an ephemeral note where the command was typed.
   *
   * The first DM of a request (with its Cancel button) is remembered. Every later event first edits
   * it, so its Cancel button never outlives the pending state; a cancellation then stops there (the
   * requester did it from that message, which now reads as the outcome), while every other outcome
   * also gets a DM of its own: one message per outcome, never two saying the same.
   */
  async tellRequester(r: Request, event: RequesterEvent): Promise<void> {
    const ctx = this.context(r);
    const store = this.options.requesterMessages;
    if (event !== "recorded" && event !== "recorded_unposted") {
      const edited = await this.editRequesterCard(r, ctx);
      if (edited && event === "cancelled") return;
    }
    const message = requesterMessage(r, event, ctx);
    const previous = event === "recorded" ? await store?.lookup(r.id) : undefined;
    if (previous) {
      // "Not posted yet" was sent first: its button moves to the new message.
      const stub = supersededCard(r);
      await this.client.chat
        .update({ channel: previous.channelId, ts: previous.ts, text: stub.text, blocks: stub.blocks })
        .catch((error: unknown) =>
          this.options.log.event("warn", "requester_card_edit_failed", { request: r.id, error: errorMessage(error) }),
        );
    }
    try {
      const answer = await this.client.chat.postMessage({
        channel: r.requesterId,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
      });
      if ((event === "recorded" || event === "recorded_unposted") && answer.channel && answer.ts) {
        await store?.remember(r.id, { channelId: answer.channel, ts: answer.ts });
      }
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
