import { inject } from "vitest";
import { TEST_POSTGRES_SERVER_ENV } from "../../devkit/harness.ts";

// The "postgres" project: every harness makes its own database on the run's server.
process.env[TEST_POSTGRES_SERVER_ENV] = inject("postgresUrl");
