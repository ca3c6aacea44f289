/** An error's message, for logs. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
