import * as z from "zod";
import type { ClientSettings } from "../requests/clients.ts";

/** A list property of a client as read: absent or null is an empty list. */
const urlList = z
  .array(z.string())
  .nullish()
  .transform((list) => list ?? []);

/**
 * An authorization code client as the Identity API answers it (GET …/{id}, PUT's 200): the
 * settings the bot manages. Properties it does not manage are ignored; an absent token lifetime
 * is the documented default, 3600 s.
 */
export const settingsAnswer = z
  .looseObject({
    Id: z.string().min(1),
    Name: z.string(),
    RedirectUris: urlList,
    PostLogoutRedirectUris: urlList,
    AllowedCorsOrigins: urlList,
    AccessTokenLifetime: z
      .number()
      .int()
      .nullish()
      .transform((seconds) => seconds ?? 3600),
    Enabled: z.boolean(),
  })
  .transform(
    (c): ClientSettings => ({
      name: c.Name,
      redirectUris: c.RedirectUris,
      postLogoutRedirectUris: c.PostLogoutRedirectUris,
      allowedCorsOrigins: c.AllowedCorsOrigins,
      accessTokenLifetime: c.AccessTokenLifetime,
      enabled: c.Enabled,
    }),
  );

/** The PUT body: every property the bot manages, so the client ends up exactly as asked ([] empties a list). */
export interface ClientUpdateBody {
  Id: string;
  Name: string;
  RedirectUris: string[];
  PostLogoutRedirectUris: string[];
  AllowedCorsOrigins: string[];
  AccessTokenLifetime: number;
  Enabled: boolean;
}

export function toUpdateBody(id: string, settings: ClientSettings): ClientUpdateBody {
  return {
    Id: id,
    Name: settings.name,
    RedirectUris: [...settings.redirectUris],
    PostLogoutRedirectUris: [...settings.postLogoutRedirectUris],
    AllowedCorsOrigins: [...settings.allowedCorsOrigins],
    AccessTokenLifetime: settings.accessTokenLifetime,
    Enabled: settings.enabled,
  };
}
