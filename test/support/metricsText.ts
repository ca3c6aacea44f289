/** Reading a Prometheus text page in tests: one sample's value, by name and exact label set. */

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** The value of the sample `name` whose labels are exactly `labels` (in any order), or undefined. */
export function sampleOf(page: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels);
  for (const line of page.split("\n")) {
    const match = SAMPLE.exec(line);
    if (!match || match[1] !== name) continue;
    const found = new Map([...(match[2] ?? "").matchAll(LABEL)].map((m) => [m[1], m[2]]));
    if (found.size === wanted.length && wanted.every(([k, v]) => found.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}

/** Every label value on the page, for checking that none came from what people typed. */
export function labelValuesOf(page: string): string[] {
  return page
    .split("\n")
    .filter((line) => !line.startsWith("#"))
    .flatMap((line) => [...(SAMPLE.exec(line)?.[2] ?? "").matchAll(LABEL)].map((m) => m[2] ?? ""));
}

/** GET `url`: the page, failing unless it answers 200 in Prometheus' text format. */
export async function scrape(url: string): Promise<string> {
  const answer = await fetch(url);
  const text = await answer.text();
  if (answer.status !== 200) throw new Error(`GET ${url} answered ${answer.status}: ${text.slice(0, 200)}`);
  if (!answer.headers.get("content-type")?.startsWith("text/plain")) {
    throw new Error(`GET ${url} answered ${answer.headers.get("content-type")}, not Prometheus' text format`);
  }
  return text;
}
