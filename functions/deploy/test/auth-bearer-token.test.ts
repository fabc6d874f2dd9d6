import { HttpError } from "@modelgate/http";
import { describe, expect, it } from "vitest";
import { bearerToken, unauthorized, WWW_AUTHENTICATE } from "../src/auth/bearer-token.ts";

function refusal(header: string | undefined): HttpError {
  try {
    bearerToken(header);
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error(`bearerToken accepted ${JSON.stringify(header)}`);
}

describe("bearerToken", () => {
  it.each([
    ["Bearer abc.def-ghi_jkl", "abc.def-ghi_jkl"],
    ["bearer abc", "abc"],
    ["BEARER abc", "abc"],
    ["Bearer   abc", "abc"],
    ["Bearer\tabc", "abc"],
    ["  Bearer abc  ", "abc"],
    ["Bearer a+b/c==", "a+b/c=="],
    ["Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"],
  ])("reads %j", (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([undefined, "", "   "])("answers 401 with the challenge when the header is %j", (header) => {
    const error = refusal(header);
    expect(error.status).toBe(401);
    expect(error.headers["WWW-Authenticate"]).toBe('Bearer realm="modelgate"');
    expect(error.message).toMatch(/missing Authorization header.*Bearer <token>/);
  });

  it.each([
    ["Bearer", /malformed/],
    ["Bearer ", /malformed/],
    ["Bearer a b", /malformed/],
    ["Bearer a=b", /malformed/],
    ["Bearer tok\u00e9n", /malformed/],
    ["Bearer a,b", /malformed/],
    ["Basic YWxpY2U6c2VjcmV0", /unsupported Authorization scheme "Basic"/],
    ["Token abc", /unsupported Authorization scheme "Token"/],
    ["Bearerabc", /unsupported Authorization scheme/],
    ["abc", /unsupported Authorization scheme/],
    ["Bearer, abc", /unsupported Authorization scheme/],
  ])("answers 401 with the challenge for %j", (header, message) => {
    const error = refusal(header);
    expect(error.status).toBe(401);
    expect(error.headers["WWW-Authenticate"]).toBe(WWW_AUTHENTICATE);
    expect(error.message).toMatch(message);
  });

  it("never repeats credentials in the error", () => {
    for (const header of ["Basic YWxpY2U6c2VjcmV0", "Bearer s3cret s3cret", "Bearer s3cret=x", "s3cret"]) {
      const error = refusal(header);
      expect(error.message).not.toContain("YWxpY2U6c2VjcmV0");
      expect(error.message).not.toContain("s3cret");
    }
  });

  it("names only well-known schemes, never a bare word that may be a credential", () => {
    const plain = 'unsupported Authorization scheme: expected "Bearer <token>"';
    expect(refusal('"><script> x').message).toBe(plain);
    expect(refusal("s3cret").message).toBe(plain);
    expect(refusal("Basic").message).toBe(plain);
    expect(refusal("negotiate abc").message).toBe(
      'unsupported Authorization scheme "negotiate": expected "Bearer <token>"',
    );
  });
});

describe("unauthorized", () => {
  it("adds the RFC 6750 error code when given", () => {
    expect(unauthorized("no", "invalid_token").headers["WWW-Authenticate"]).toBe(
      'Bearer realm="modelgate", error="invalid_token"',
    );
    expect(unauthorized("no").headers["WWW-Authenticate"]).toBe('Bearer realm="modelgate"');
  });
});
