import type { AppLogger } from "../../log.ts";
import type { RequestService } from "../../requests/service.ts";
import type { TenantChoice } from "../views/requestModal.ts";

/** What every listener may use: the domain, and a few facts of the configuration. */
export interface ListenerDeps {
  service: RequestService;
  log: AppLogger;
  tenants: TenantChoice[];
  approvalChannelId: string;
  requestTtlMs: number;
  /** Label shown for a tenant, or undefined when only one tenant is configured. */
  tenantLabel: (tenant: string) => string | undefined;
}
