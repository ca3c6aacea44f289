import type { ViewStateValue } from "@slack/bolt";
import { FIELD_IDS, type RawForm } from "../../../requests/form.ts";
import { INPUT_ACTION } from "../../ids.ts";

type StateValues = Record<string, Record<string, ViewStateValue>>;

/** The typed text of each input block of the request form (selects give their chosen value). */
export function readForm(values: StateValues): RawForm {
  const form: RawForm = {};
  for (const field of FIELD_IDS) {
    const input = values[field]?.[INPUT_ACTION];
    form[field] = input?.selected_option?.value ?? input?.value ?? null;
  }
  return form;
}
