import { describe, expect, it } from "vitest";
import {
  autoApproval,
  type ClientUrls,
  DEFAULT_POLICY,
  hostAllowed,
  hostPatternProblem,
  hostRefusals,
  isLoopbackUrl,
  type TenantPolicy,
} from "../../src/requests/policies.ts";

const urls = (redirectUris: string[], more: Partial<ClientUrls> = {}): ClientUrls => ({
  redirectUris,
  postLogoutRedirectUris: [],
  allowedCorsOrigins: [],
  ...more,
});

const restricted = (hosts: string[]): TenantPolicy => ({ ...DEFAULT_POLICY, allowedRedirectHosts: hosts });

describe("host patterns", () => {
  it("accepts host names, IPv4 addresses, *.subdomain rules and * for any host", () => {
    for (const ok of [
      "example.com",
      "app.example.com",
      "intranet",
      "10.1.2.3",
      "*.example.com",
      "xn--mnchen-3ya.de",
      "*",
    ]) {
      expect(hostPatternProblem(ok), ok).toBeUndefined();
    }
  });

  it("refuses URLs, ports, paths, misplaced or too broad wildcards and bad labels", () => {
    expect(hostPatternProblem("https://app.example.com")).toMatch(/is a URL/);
    expect(hostPatternProblem("app.example.com:443")).toMatch(/host name only/);
    expect(hostPatternProblem("app.example.com/cb")).toMatch(/host name only/);
    expect(hostPatternProblem("*.com")).toMatch(/too broad/);
    expect(hostPatternProblem("app.*.com")).toMatch(/only start with/);
    expect(hostPatternProblem("**.example.com")).toMatch(/only start with/);
    expect(hostPatternProblem("-app.example.com")).toMatch(/not a host name/);
    expect(hostPatternProblem("app..example.com")).toMatch(/not a host name/);
    expect(hostPatternProblem("")).toMatch(/not a host name/);
  });

  it("*.example.com matches any subdomain but not example.com itself, nor look-alikes", () => {
    const rule = ["*.example.com"];
    expect(hostAllowed("app.example.com", rule)).toBe(true);
    expect(hostAllowed("a.b.example.com", rule)).toBe(true);
    expect(hostAllowed("example.com", rule)).toBe(false);
    expect(hostAllowed("evilexample.com", rule)).toBe(false);
    expect(hostAllowed("example.com.evil.net", rule)).toBe(false);
    expect(hostAllowed(".example.com", rule)).toBe(false);
    expect(hostAllowed("example.com", ["example.com"])).toBe(true);
    expect(hostAllowed("app.example.com", ["example.com"])).toBe(false);
    expect(hostAllowed("anything.net", ["*"])).toBe(true);
  });
});

describe("loopback URLs", () => {
  it("are localhost, 127.0.0.1 and [::1], as typed and as parsed, with any scheme and port", () => {
    for (const ok of ["http://localhost:5173/cb", "https://LOCALHOST/cb", "http://127.0.0.1/cb", "http://[::1]:8080"]) {
      expect(isLoopbackUrl(ok), ok).toBe(true);
    }
    for (const no of [
      "http://127.1/cb",
      "http://0x7f.0.0.1/cb",
      "http://localhost.example.com/cb",
      "http://127.0.0.2/cb",
      "http://%6cocalhost/cb",
      "not a url",
    ]) {
      expect(isLoopbackUrl(no), no).toBe(false);
    }
  });
});

describe("allowed hosts", () => {
  it("refuse nothing without a rule", () => {
    expect(hostRefusals(urls(["https://anything.net/cb"]), DEFAULT_POLICY)).toEqual({});
  });

  it("refuse each field's URLs off the allowed hosts, naming those hosts; loopback is always allowed", () => {
    const policy = restricted(["*.example.com", "partner.org"]);
    const refusals = hostRefusals(
      urls(["https://app.example.com/cb", "http://localhost:3000/cb", "https://example.com/cb"], {
        postLogoutRedirectUris: ["https://partner.org/bye"],
        allowedCorsOrigins: ["https://evil.net", "https://app.example.com.evil.net", "https://x.evil.net"],
      }),
      policy,
    );
    expect(refusals.redirectUris).toBe(
      "https://example.com/cb is not on an allowed host: allowed hosts are *.example.com and partner.org, and loopback hosts (localhost, 127.0.0.1, [::1]).",
    );
    expect(refusals.postLogoutRedirectUris).toBeUndefined();
    expect(refusals.allowedCorsOrigins).toMatch(
      /^https:\/\/evil\.net, https:\/\/app\.example\.com\.evil\.net \(and 1 more\) are not on allowed hosts: allowed hosts are \*\.example\.com and partner\.org/,
    );
  });

  it("an empty list allows loopback hosts only", () => {
    const refusals = hostRefusals(urls(["http://127.0.0.1:8080/cb", "https://app.example.com/cb"]), restricted([]));
    expect(refusals.redirectUris).toContain("only loopback hosts are allowed");
    expect(hostRefusals(urls(["http://127.0.0.1:8080/cb"]), restricted([]))).toEqual({});
  });

  it("match the host a browser goes to, whatever the letter case or encoding typed", () => {
    const policy = restricted(["app.example.com"]);
    expect(hostRefusals(urls(["https://APP.Example.com/cb"]), policy)).toEqual({});
    expect(hostRefusals(urls(["https://app.example.com./cb"]), policy).redirectUris).toBeDefined();
    expect(hostRefusals(urls(["https://app.example.com.evil.net/cb"]), policy).redirectUris).toBeDefined();
  });
});

describe("auto-approval", () => {
  const on: TenantPolicy = { ...DEFAULT_POLICY, autoApproveLoopbackOnly: true };

  it("approves a client whose every URL is loopback, when the tenant allows it", () => {
    const all = urls(["http://localhost:5173/cb", "http://127.0.0.1/cb"], {
      postLogoutRedirectUris: ["http://[::1]/"],
      allowedCorsOrigins: ["http://localhost:5173"],
    });
    expect(autoApproval(on, all)).toEqual({ approved: true, reason: "only loopback URLs" });
    expect(autoApproval(DEFAULT_POLICY, all)).toEqual({ approved: false });
  });

  it("does not approve when a single URL of any list is elsewhere, or when there are no URLs", () => {
    expect(
      autoApproval(on, urls(["http://localhost/cb"], { allowedCorsOrigins: ["https://app.example.com"] })),
    ).toEqual({ approved: false });
    expect(autoApproval(on, urls(["http://localhost/cb"], { postLogoutRedirectUris: ["http://127.1/"] }))).toEqual({
      approved: false,
    });
    expect(autoApproval(on, urls([]))).toEqual({ approved: false });
  });
});
