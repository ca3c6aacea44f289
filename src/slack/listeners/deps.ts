import type { AppLogger } from "../../log.ts";
import type { RequestReader } from "../../requests/ports.ts";
import type { RequestService } from "../../requests/service.ts";
import type { HomeTab } from "../home/homeTab.ts";
import type { TenantChoice } from "../surfaces/requestModal.ts";

/** What every listener may use: the domain, the Home tab, and a few facts of the configuration. */
export interface ListenerDeps {
  service: RequestService;
  /** What App Home and `status` read. */
  reads: RequestReader;
  /** Created once by the composition root: it remembers who is looking at their Home tab. */
  home: HomeTab;
  log: AppLogger;
  tenants: TenantChoice[];
  approvalChannelId: string;
  /** Label shown for a tenant, or undefined when only one tenant is configured. */
  tenantLabel: (tenant: string) => string | undefined;
}
