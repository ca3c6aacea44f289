import type { ViewStateValue } from "@slack/bolt";
import { FIELD_IDS, type RawForm } from "../../../requests/form.ts";
import { INPUT_ACTION } from "../../ids.ts";

type StateValues = Record<string, Record<string, ViewStateValue>>;

/** The text typed into an input block, or "" when the block is missing or holds no text (a forged payload). */
export function typedText(values: StateValues, block: string): string {
  const value: unknown = values[block]?.[INPUT_ACTION]?.value;
  return typeof value === "string" ? value : "";
}

/** The typed text of each input block of the request form (selects give their chosen value). */
export function readForm(values: StateValues): RawForm {
  const form: RawForm = {};
  for (const field of FIELD_IDS) {
    const input = values[field]?.[INPUT_ACTION];
    form[field] = input?.selected_option?.value ?? input?.value ?? null;
  }
  return form;
}
