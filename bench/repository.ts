/**
 * Times the database work of one request's life, call by call, through RequestRepository on a
 * real SQLite file: what a submission and an approval cost the event loop besides Slack calls.
 *
 *   npx tsx bench/repository.ts [requests=3000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../src/db/connection.ts";
import type { RequestForm } from "../src/requests/form.ts";
import { type Request, RequestRepository, type TransitionSet } from "../src/requests/repository.ts";

const FORM: RequestForm = {
  tenant: "default",
  name: "Benchmark app",
  redirectUris: ["https://app.example.com/callback"],
  postLogoutRedirectUris: ["https://app.example.com/"],
  allowedCorsOrigins: ["https://app.example.com"],
  accessTokenLifetime: 3600,
  justification: "Measuring what the database costs per request.",
};

function main(): void {
  const count = Number(process.argv[2] ?? 3000);
  if (!Number.isInteger(count) || count < 1) throw new Error("requests is a whole number above 0");
  const dir = mkdtempSync(join(tmpdir(), "bench-repository-"));
  const database = openDatabase(join(dir, "bench.sqlite"));
  try {
    const repo = new RequestRepository(database.db);
    const spent = new Map<string, number>();
    const time = <T>(name: string, work: () => T): T => {
      const started = performance.now();
      const result = work();
      spent.set(name, (spent.get(name) ?? 0) + performance.now() - started);
      return result;
    };
    const move = (request: Request, from: Request["status"], to: Request["status"], set?: TransitionSet) =>
      time(`transition → ${to}`, () => repo.transition({ id: request.id, from: [from], to, actor: "UAPPROVER", set }));

    for (let i = 0; i < count; i++) {
      const requester = `U${i % 500}`;
      // A submission: duplicate and limit checks, the row, the two messages it was posted with.
      time("findBySubmissionKey", () => repo.findBySubmissionKey(`V${i}`));
      time("countPendingBy", () => repo.countPendingBy(requester));
      const { request } = time("record", () =>
        repo.record({ form: FORM, requesterId: requester, originChannelId: "C1", submissionKey: `V${i}` }, 864e5, 36e5),
      );
      time("setApprovalMessage", () => repo.setApprovalMessage(request.id, "C1", `1.${i}`));
      time("get", () => repo.get(request.id));
      time("makeApprovalPostsDue", () => repo.makeApprovalPostsDue(Date.now()));
      time("setRequesterMessage", () => repo.setRequesterMessage(request.id, "D1", `2.${i}`));
      // An approval: decision, creation, outcome.
      move(request, "pending", "approved", { decidedBy: "UAPPROVER", decidedAt: Date.now() });
      move(request, "approved", "creating");
      time("raiseAttempts", () => repo.raiseAttempts(request.id));
      move(request, "creating", "created", { createdClientId: "client", lastError: null, outcomeNotifiedAt: null });
      time("claimOutcomeNotification", () => repo.claimOutcomeNotification(request.id));
      time("requesterMessageOf", () => repo.requesterMessageOf(request.id));
    }

    const micros = (ms: number) => `${((ms * 1000) / count).toFixed(0).padStart(6)} µs`;
    let total = 0;
    process.stdout.write(`Database time per request (${count} requests, submission and approval), mean:\n`);
    for (const [name, ms] of spent) {
      total += ms;
      process.stdout.write(`  ${name.padEnd(28)}${micros(ms)}\n`);
    }
    process.stdout.write(`  ${"all of it".padEnd(28)}${micros(total)}\n`);
  } finally {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
