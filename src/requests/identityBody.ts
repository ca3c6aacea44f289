import type { AuthorizationCodeClientBody } from "../identity/client.ts";
import type { Request } from "./request.ts";

/** The Identity API create body for a recorded request. */
export function toIdentityBody(
  request: Pick<
    Request,
    "clientGuid" | "name" | "redirectUris" | "postLogoutRedirectUris" | "allowedCorsOrigins" | "accessTokenLifetime"
  >,
): AuthorizationCodeClientBody {
  return {
    Id: request.clientGuid,
    Name: request.name,
    RedirectUris: [...request.redirectUris],
    PostLogoutRedirectUris: [...request.postLogoutRedirectUris],
    AllowedCorsOrigins: [...request.allowedCorsOrigins],
    AccessTokenLifetime: request.accessTokenLifetime,
    Enabled: true,
    ClientUri: null,
    LogoUri: null,
    Tags: null,
    AllowOfflineAccess: false,
  };
}
