import * as z from "zod";
import { isLoopbackHost } from "./loopback.ts";
import { APPROVALS_CAP, hostPatternProblem, type TenantPolicy } from "./requests/policies.ts";

const logLevelNames = ["debug", "info", "warn", "error"] as const;
export type LogLevelName = (typeof logLevelNames)[number];

export interface TenantConfig {
  /** Short name shown to people and stored with each request ("default" with one tenant). */
  name: string;
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

/** A tenant as configured: how to reach it, and who decides its requests under which rules. */
interface TenantSettings extends TenantConfig {
  /** The global approval policy, with this tenant's overrides applied. */
  policy: TenantPolicy;
  /** The tenant's own approvers, replacing the global ones; undefined: the global approvers. */
  approvers: ApproverSet | undefined;
}

/** Who may decide: listed users and the members of a user group. */
export interface ApproverSet {
  userIds: string[];
  usergroupId: string | undefined;
}

export interface RetryConfig {
  maxAttempts: number;
  maxTotalMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  requestTimeoutMs: number;
}

/** Where requests are kept: the SQLite file (one process), or a PostgreSQL server (any number of replicas). */
export type DatabaseConfig = { kind: "sqlite"; path: string } | PostgresConfig;

export interface PostgresConfig {
  kind: "postgres";
  /** postgres:// or postgresql:// URL; TLS settings (sslmode, sslrootcert) ride in it. */
  url: string;
  /** Connections per process. */
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

export const DEFAULT_DATABASE_PATH = "./data/auth-clients.sqlite";

/** Where GET /metrics is served: on PORT (next to /healthz), on a listener of its own, or not at all. */
export type MetricsConfig = { serve: "off" } | { serve: "on-port" } | { serve: "own-port"; port: number };

export interface Config {
  slack: {
    botToken: string;
    signingSecret: string | undefined;
    appToken: string | undefined;
    apiUrl: string;
  };
  port: number;
  metrics: MetricsConfig;
  database: DatabaseConfig;
  tenants: TenantSettings[];
  approvalChannelId: string;
  approverUserIds: string[];
  approverUsergroupId: string | undefined;
  allowSelfApproval: boolean;
  /** The global approval policy (each tenant's, overrides applied, is in `tenants`). */
  policy: TenantPolicy;
  logLevel: LogLevelName;
  identityRetry: RetryConfig;
  requestTtlMs: number;
  reminderIntervalMs: number;
  maxReminders: number;
  maxPendingPerUser: number;
  /** Clients created (Identity API call and announcements) at once; more approvals wait their turn. */
  maxConcurrentCreations: number;
  /** A creation abandoned by a dead process is taken over by another once this has passed without a sign of life. */
  creationLeaseMs: number;
  /** How often expiry, reminders and the sweep for unfinished work run. */
  sweepIntervalMs: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optionalString = z.preprocess(blankToUndefined, z.string().trim().optional());

function requiredString(hint: string) {
  return z.preprocess(
    blankToUndefined,
    z.string({ error: (iss) => (iss.input === undefined ? `is not set: ${hint}` : "must be text") }).trim(),
  );
}

/** https everywhere; http only to this machine (local stand-ins, development). */
const serviceUrl = (hint: string) =>
  requiredString(hint).pipe(
    z.string().refine(
      (v) => {
        try {
          const u = new URL(v);
          return u.protocol === "https:" || (u.protocol === "http:" && isLoopbackHost(u.hostname));
        } catch {
          return false;
        }
      },
      { error: "must be an https:// URL (http:// is accepted only for localhost)" },
    ),
  );

/**
 * What is wrong with a PostgreSQL URL, in words that never repeat it: it may hold a password.
 */
function postgresUrlProblems(value: string, ctx: z.RefinementCtx): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({
      code: "custom",
      message:
        "is not a URL: use postgres://user:password@host:5432/database (special characters in the password percent-encoded)",
    });
    return;
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    ctx.addIssue({
      code: "custom",
      message: `must start with postgres:// or postgresql:// (it starts with ${url.protocol}//)`,
    });
    return;
  }
  if (url.hostname === "")
    ctx.addIssue({ code: "custom", message: "names no host: postgres://user:password@host:5432/database" });
  if (url.port !== "" && !(Number(url.port) > 0)) ctx.addIssue({ code: "custom", message: "has an invalid port" });
  const sslmode = url.searchParams.get("sslmode");
  const modes = ["disable", "prefer", "require", "verify-ca", "verify-full", "no-verify"];
  if (sslmode !== null && !modes.includes(sslmode)) {
    ctx.addIssue({ code: "custom", message: `has sslmode=${sslmode.slice(0, 20)}: use one of ${modes.join(", ")}` });
  }
}

const positiveNumber = (fallback: number, what: string) =>
  z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: `must be a number (${what})` })
      .positive({ error: `must be greater than 0 (${what})` })
      .default(fallback),
  );

const wholeNumber = (fallback: number, min: number, max: number, what: string) =>
  z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: `must be a whole number (${what})` })
      .int({ error: `must be a whole number (${what})` })
      .min(min, { error: `must be at least ${min} (${what})` })
      .max(max, { error: `must be at most ${max} (${what})` })
      .default(fallback),
  );

const boolean = (fallback: boolean) =>
  z.preprocess(
    blankToUndefined,
    z
      .enum(["true", "false", "1", "0", "yes", "no"], { error: "must be true or false" })
      .default(fallback ? "true" : "false")
      .transform((v) => v === "true" || v === "1" || v === "yes"),
  );

/** METRICS_PORT: unset serves /metrics on PORT; a port number, on a listener of its own; `off`, nowhere. */
const metricsPort = z.preprocess(
  (v) => (typeof v === "string" ? blankToUndefined(v.trim().toLowerCase()) : v),
  z
    .string()
    .optional()
    .transform((v, ctx): MetricsConfig => {
      if (v === undefined) return { serve: "on-port" };
      if (v === "off") return { serve: "off" };
      if (/^\d{1,5}$/.test(v) && Number(v) <= 65535) return { serve: "own-port", port: Number(v) };
      ctx.addIssue({
        code: "custom",
        message: "must be a port number (0-65535) for a listener of its own, or off; unset serves /metrics on PORT",
      });
      return z.NEVER;
    }),
);

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const USERGROUP_ID = /^S[A-Z0-9]{2,}$/;

const hostPattern = z
  .string({ error: "must be host names, e.g. app.example.com or *.example.com" })
  .trim()
  .toLowerCase()
  .superRefine((pattern, ctx) => {
    const problem = hostPatternProblem(pattern);
    if (problem) ctx.addIssue({ code: "custom", message: `has "${pattern.slice(0, 80)}", which ${problem}` });
  });

const requiredApprovals = z
  .number({ error: `must be a whole number from 1 to ${APPROVALS_CAP}` })
  .int({ error: `must be a whole number from 1 to ${APPROVALS_CAP}` })
  .min(1, { error: `must be a whole number from 1 to ${APPROVALS_CAP}` })
  .max(APPROVALS_CAP, { error: `must be a whole number from 1 to ${APPROVALS_CAP}` });

const TENANT_SETTINGS = [
  "url",
  "tenantId",
  "clientId",
  "clientSecret",
  "requiredApprovals",
  "allowedRedirectHosts",
  "autoApproveLoopbackOnly",
  "approverUserIds",
  "approverUsergroupId",
] as const;

// Strict: a misspelt policy setting must not be ignored silently.
const tenantEntry = z.strictObject(
  {
    url: serviceUrl("the tenant's host, e.g. https://uswe.datahub.connect.aveva.com"),
    tenantId: requiredString("the tenant GUID").pipe(z.string().regex(GUID, { error: "must be a GUID" })),
    clientId: requiredString("a client-credentials client id"),
    clientSecret: requiredString("that client's secret"),
    requiredApprovals: requiredApprovals.optional(),
    allowedRedirectHosts: z
      .array(hostPattern, { error: 'must be a list of host names, e.g. ["app.example.com", "*.example.com"]' })
      .max(100, { error: "may name at most 100 hosts" })
      .optional(),
    autoApproveLoopbackOnly: z.boolean({ error: "must be true or false" }).optional(),
    approverUserIds: z
      .array(z.string().regex(USER_ID, { error: "must be Slack user ids such as U0123456789" }), {
        error: 'must be a list of Slack user ids, e.g. ["U0123456789"]',
      })
      .min(1, { error: "must name at least one user (or leave it out)" })
      .optional(),
    approverUsergroupId: z
      .string({ error: "must be a user group id such as S0123456789" })
      .regex(USERGROUP_ID, { error: "must be a user group id such as S0123456789" })
      .optional(),
  },
  { error: (iss) => (iss.code === "unrecognized_keys" ? unknownSettings(iss.keys) : undefined) },
);

function unknownSettings(keys: string[]): string {
  return `has an unknown setting ${keys.map((k) => `"${k.slice(0, 40)}"`).join(", ")} (known: ${TENANT_SETTINGS.join(", ")})`;
}

const tenantsJson = z.preprocess(
  blankToUndefined,
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "is not valid JSON" });
        return z.NEVER;
      }
    })
    .pipe(
      z
        .record(
          z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,39}$/, {
            error: "tenant names are 1-40 letters, digits, spaces, '.', '_' or '-'",
          }),
          tenantEntry,
        )
        .refine((r) => Object.keys(r).length >= 1, { error: "must name at least one tenant" })
        .refine((r) => Object.keys(r).length <= 100, { error: "may name at most 100 tenants" }),
    )
    .optional(),
);

const envSchema = z.object({
  SLACK_BOT_TOKEN: requiredString("the Bot User OAuth Token from OAuth & Permissions").pipe(
    z.string().startsWith("xoxb-", { error: "must start with xoxb- (the Bot User OAuth Token)" }),
  ),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: z.preprocess(
    blankToUndefined,
    z.string().trim().startsWith("xapp-", { error: "must start with xapp- (an app-level token)" }).optional(),
  ),
  SLACK_API_URL: z.preprocess(
    blankToUndefined,
    z.url({ error: "must be a URL such as https://slack.com/api/" }).default("https://slack.com/api/"),
  ),
  PORT: wholeNumber(3000, 0, 65535, "the HTTP port"),
  METRICS_PORT: metricsPort,
  DATABASE_PATH: z.preprocess(blankToUndefined, z.string().default(DEFAULT_DATABASE_PATH)),
  DATABASE_URL: z.preprocess(blankToUndefined, z.string().trim().superRefine(postgresUrlProblems).optional()),
  DATABASE_POOL_MAX: wholeNumber(20, 1, 100, "PostgreSQL connections per process"),
  OCS_TENANTS: tenantsJson,
  OCS_URL: optionalString,
  OCS_TENANT_ID: optionalString,
  OCS_CLIENT_ID: optionalString,
  OCS_CLIENT_SECRET: optionalString,
  APPROVAL_CHANNEL_ID: requiredString("the id of the channel where approvers review requests (C…)").pipe(
    z.string().regex(/^[CG][A-Z0-9]{2,}$/, { error: "must be a channel id such as C0123456789" }),
  ),
  APPROVER_USER_IDS: z.preprocess(
    blankToUndefined,
    z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(USER_ID, { error: "must be Slack user ids such as U0123456789" })))
      .optional(),
  ),
  APPROVER_USERGROUP_ID: z.preprocess(
    blankToUndefined,
    z.string().trim().regex(USERGROUP_ID, { error: "must be a user group id such as S0123456789" }).optional(),
  ),
  ALLOW_SELF_APPROVAL: boolean(false),
  REQUIRED_APPROVALS: wholeNumber(1, 1, APPROVALS_CAP, "approvals each request needs"),
  ALLOWED_REDIRECT_HOSTS: z.preprocess(
    blankToUndefined,
    z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(hostPattern).max(100, { error: "may name at most 100 hosts" }))
      .optional(),
  ),
  AUTO_APPROVE_LOOPBACK_ONLY: boolean(false),
  LOG_LEVEL: z.preprocess(
    (v) => (typeof v === "string" ? blankToUndefined(v.toLowerCase()) : v),
    z.enum(logLevelNames, { error: `must be one of ${logLevelNames.join(", ")}` }).default("info"),
  ),
  OCS_RETRY_MAX_ATTEMPTS: wholeNumber(6, 1, 50, "Identity API attempts per creation"),
  OCS_RETRY_MAX_SECONDS: positiveNumber(120, "Identity API retry window in seconds"),
  OCS_RETRY_BASE_MS: wholeNumber(500, 1, 60_000, "first retry delay in ms"),
  OCS_REQUEST_TIMEOUT_SECONDS: positiveNumber(30, "timeout of one Identity API call"),
  OCS_MAX_CONCURRENT_CREATIONS: wholeNumber(4, 1, 32, "clients created at once"),
  OCS_CREATION_LEASE_SECONDS: positiveNumber(
    60,
    "seconds before another process takes over a creation whose process died",
  ),
  REQUEST_SWEEP_SECONDS: positiveNumber(30, "seconds between checks for expiry, reminders and unfinished work"),
  REQUEST_TTL_HOURS: positiveNumber(72, "hours before a pending request expires"),
  REMINDER_HOURS: positiveNumber(24, "hours between reminders to approvers"),
  MAX_REMINDERS: wholeNumber(3, 0, 100, "reminders per request"),
  MAX_PENDING_PER_USER: wholeNumber(5, 1, 1000, "pending requests one person may have"),
});

type Env = z.infer<typeof envSchema>;

const present = (v: string | undefined) => typeof v === "string" && v.trim() !== "";

/** Rules that span several variables; checked on the raw values so they are reported together with the rest. */
function crossVariableIssues(env: NodeJS.ProcessEnv): { variable: string; message: string }[] {
  const issues: { variable: string; message: string }[] = [];
  if (!present(env.SLACK_APP_TOKEN) && !present(env.SLACK_SIGNING_SECRET)) {
    issues.push({
      variable: "SLACK_SIGNING_SECRET",
      message:
        "is not set: HTTP mode needs the Signing Secret (Basic Information > App Credentials), or set SLACK_APP_TOKEN for Socket Mode",
    });
  }
  if (!present(env.APPROVER_USER_IDS?.replaceAll(",", "")) && !present(env.APPROVER_USERGROUP_ID)) {
    const lacking = tenantsWithoutOwnApprovers(env.OCS_TENANTS);
    if (lacking === undefined || lacking.length > 0) {
      issues.push({
        variable: "APPROVER_USER_IDS",
        message: `is not set, nor APPROVER_USERGROUP_ID: name at least one approver${
          lacking
            ? ` (OCS_TENANTS tenant ${lacking.map((n) => `"${n}"`).join(", ")} names no approvers of its own)`
            : ""
        }`,
      });
    }
  }
  const metricsPort = env.METRICS_PORT?.trim();
  if (metricsPort && metricsPort !== "0" && Number(metricsPort) === Number(env.PORT?.trim() || 3000)) {
    issues.push({
      variable: "METRICS_PORT",
      message: "is the same port as PORT: leave METRICS_PORT unset to serve /metrics on PORT, or pick another port",
    });
  }
  if (present(env.OCS_TENANTS)) return issues;
  const variables = {
    url: "OCS_URL",
    tenantId: "OCS_TENANT_ID",
    clientId: "OCS_CLIENT_ID",
    clientSecret: "OCS_CLIENT_SECRET",
  } as const;
  const parsed = tenantEntry.safeParse({
    url: env.OCS_URL,
    tenantId: env.OCS_TENANT_ID,
    clientId: env.OCS_CLIENT_ID,
    clientSecret: env.OCS_CLIENT_SECRET,
  });
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const key = String(issue.path[0]) as keyof typeof variables;
    issues.push({ variable: variables[key] ?? key, message: issue.message });
  }
  return issues;
}

/**
 * The tenants of OCS_TENANTS that name no approvers of their own; undefined when OCS_TENANTS is
 * unset or unreadable (its own errors are reported; every tenant then needs the global approvers).
 */
function tenantsWithoutOwnApprovers(raw: string | undefined): string[] | undefined {
  if (!present(raw)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw as string);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  return Object.entries(parsed as Record<string, unknown>)
    .filter(([, t]) => {
      const entry = (t ?? {}) as { approverUserIds?: unknown; approverUsergroupId?: unknown };
      const users = Array.isArray(entry.approverUserIds) && entry.approverUserIds.length > 0;
      return !users && !(typeof entry.approverUsergroupId === "string" && present(entry.approverUsergroupId));
    })
    .map(([name]) => name);
}

/**
 * Policies no request could ever meet: more approvals required than approvers named (and no user
 * group, whose size is only known at run time). Checked on the parsed values.
 */
function policyIssues(env: Env): string[] {
  const issues: string[] = [];
  const globalUsers = env.APPROVER_USER_IDS ?? [];
  const globalCount = env.APPROVER_USERGROUP_ID ? Number.POSITIVE_INFINITY : new Set(globalUsers).size;
  if (globalCount < env.REQUIRED_APPROVALS && globalCount > 0) {
    issues.push(
      `  - REQUIRED_APPROVALS is ${env.REQUIRED_APPROVALS}, but APPROVER_USER_IDS names only ${globalCount} approver${globalCount === 1 ? "" : "s"} and APPROVER_USERGROUP_ID is not set: no request could be approved`,
    );
  }
  for (const [name, t] of Object.entries(env.OCS_TENANTS ?? {})) {
    const own = t.approverUserIds !== undefined || t.approverUsergroupId !== undefined;
    const count = own
      ? t.approverUsergroupId
        ? Number.POSITIVE_INFINITY
        : new Set(t.approverUserIds).size
      : globalCount;
    const required = t.requiredApprovals ?? env.REQUIRED_APPROVALS;
    if (count >= required || (!own && t.requiredApprovals === undefined)) continue;
    const who = own
      ? `its approverUserIds name only ${count} and it has no approverUsergroupId`
      : `the global APPROVER_USER_IDS name only ${count} and APPROVER_USERGROUP_ID is not set`;
    issues.push(
      `  - OCS_TENANTS tenant "${name}" requiredApprovals is ${required}, but ${who}: no request could be approved`,
    );
  }
  return issues;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; message: string };

/** Parses the environment. On failure, one message names every offending variable. */
export function parseConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const parsed = envSchema.safeParse(env);
  const cross = crossVariableIssues(env);
  const policies = parsed.success ? policyIssues(parsed.data) : [];
  if (!parsed.success || cross.length > 0 || policies.length > 0) {
    const lines = [
      ...policies,
      ...(parsed.success ? [] : parsed.error.issues).map(
        (issue) =>
          `  - ${describePath(issue.path)} ${issue.code === "invalid_key" ? "is not a valid tenant name (1-40 letters, digits, spaces, '.', '_' or '-')" : issue.message}`,
      ),
      ...cross.map((issue) => `  - ${issue.variable} ${issue.message}`),
    ];
    return {
      ok: false,
      message: [
        "The bot cannot start: its configuration is incomplete or invalid.",
        ...dedupe(lines),
        "Set these in .env (copy .env.example to start) or in the environment, then start again.",
      ].join("\n"),
    };
  }
  return { ok: true, config: toConfig(parsed.data) };
}

function describePath(path: PropertyKey[]): string {
  const [variable, ...rest] = path.map(String);
  if (variable === "OCS_TENANTS" && rest.length > 0) {
    return `OCS_TENANTS tenant "${rest[0]}"${rest[1] ? ` ${rest[1]}` : ""}`;
  }
  return variable ?? "configuration";
}

function dedupe(lines: string[]): string[] {
  return [...new Set(lines)];
}

function toConfig(env: Env): Config {
  const policy: TenantPolicy = {
    requiredApprovals: env.REQUIRED_APPROVALS,
    allowedRedirectHosts: env.ALLOWED_REDIRECT_HOSTS,
    autoApproveLoopbackOnly: env.AUTO_APPROVE_LOOPBACK_ONLY,
  };
  const tenants: TenantSettings[] = env.OCS_TENANTS
    ? Object.entries(env.OCS_TENANTS).map(([name, t]) => ({
        name,
        url: t.url,
        tenantId: t.tenantId,
        clientId: t.clientId,
        clientSecret: t.clientSecret,
        policy: {
          requiredApprovals: t.requiredApprovals ?? policy.requiredApprovals,
          allowedRedirectHosts: t.allowedRedirectHosts ?? policy.allowedRedirectHosts,
          autoApproveLoopbackOnly: t.autoApproveLoopbackOnly ?? policy.autoApproveLoopbackOnly,
        },
        approvers:
          t.approverUserIds !== undefined || t.approverUsergroupId !== undefined
            ? { userIds: t.approverUserIds ?? [], usergroupId: t.approverUsergroupId }
            : undefined,
      }))
    : [
        {
          name: "default",
          url: env.OCS_URL ?? "",
          tenantId: env.OCS_TENANT_ID ?? "",
          clientId: env.OCS_CLIENT_ID ?? "",
          clientSecret: env.OCS_CLIENT_SECRET ?? "",
          policy,
          approvers: undefined,
        },
      ];
  const hour = 3_600_000;
  return {
    slack: {
      botToken: env.SLACK_BOT_TOKEN,
      signingSecret: env.SLACK_SIGNING_SECRET,
      appToken: env.SLACK_APP_TOKEN,
      apiUrl: env.SLACK_API_URL.endsWith("/") ? env.SLACK_API_URL : `${env.SLACK_API_URL}/`,
    },
    port: env.PORT,
    metrics: env.METRICS_PORT,
    database: env.DATABASE_URL
      ? {
          kind: "postgres",
          url: env.DATABASE_URL,
          poolMax: env.DATABASE_POOL_MAX,
          connectTimeoutMs: 2_000,
          statementTimeoutMs: 15_000,
        }
      : { kind: "sqlite", path: env.DATABASE_PATH },
    tenants: tenants.map((t) => ({ ...t, url: t.url.replace(/\/+$/, "") })),
    approvalChannelId: env.APPROVAL_CHANNEL_ID,
    approverUserIds: env.APPROVER_USER_IDS ?? [],
    approverUsergroupId: env.APPROVER_USERGROUP_ID,
    allowSelfApproval: env.ALLOW_SELF_APPROVAL,
    policy,
    logLevel: env.LOG_LEVEL,
    identityRetry: {
      maxAttempts: env.OCS_RETRY_MAX_ATTEMPTS,
      maxTotalMs: env.OCS_RETRY_MAX_SECONDS * 1000,
      baseDelayMs: env.OCS_RETRY_BASE_MS,
      maxDelayMs: Math.max(env.OCS_RETRY_BASE_MS, 30_000),
      requestTimeoutMs: env.OCS_REQUEST_TIMEOUT_SECONDS * 1000,
    },
    requestTtlMs: env.REQUEST_TTL_HOURS * hour,
    reminderIntervalMs: env.REMINDER_HOURS * hour,
    maxReminders: env.MAX_REMINDERS,
    maxPendingPerUser: env.MAX_PENDING_PER_USER,
    maxConcurrentCreations: env.OCS_MAX_CONCURRENT_CREATIONS,
    creationLeaseMs: env.OCS_CREATION_LEASE_SECONDS * 1000,
    sweepIntervalMs: env.REQUEST_SWEEP_SECONDS * 1000,
  };
}

/** Every secret value in the configuration, for log redaction. */
export function secretsOf(config: Config): string[] {
  return [
    config.slack.botToken,
    config.slack.signingSecret,
    config.slack.appToken,
    ...config.tenants.map((t) => t.clientSecret),
  ].filter((s): s is string => typeof s === "string" && s.length >= 6);
}
