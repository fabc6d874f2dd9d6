import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/** What the repository's own text may not say: code and comments point to the project's own docs. */
const ROOT = resolve(import.meta.dirname, "..");
const TEXT = /\.(ts|mts|mjs|md|ya?ml|json|sh|py|Containerfile)$|(^|\/)(dev|run)$/;

/** The repository's tracked text files (what a clone has), relative to the root. */
function textFiles(): string[] {
  const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0");
  return tracked.filter((path) => TEXT.test(path) && path !== "pnpm-lock.yaml" && existsSync(join(ROOT, path)));
}

describe("the repository's text", () => {
  it("finds the files it checks", () => {
    expect(textFiles()).toEqual(expect.arrayContaining(["README.md", join("docs", "API.md"), join(".ci", "run")]));
  });

  it('points to docs/, never to a "contract section" that is not in the repository', () => {
    const self = join("test", "repo-text.test.ts");
    const offenders = textFiles().filter(
      (path) => path !== self && /contract section/i.test(readFileSync(join(ROOT, path), "utf8")),
    );
    expect(offenders).toEqual([]);
  });
});
