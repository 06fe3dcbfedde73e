/**
 * The CDK Terrain packages `npm run check:cdktn` installs, pinned exactly. Change them here, then run
 * the check and update docs/leaving-cdktf.md with what it reports.
 *
 * - `@cdktn/provider-aws` 25.7.0 is generated from AWS provider 6.66.0 (its package.json,
 *   `cdktf.provider.version`) and declares the peers `cdktn ^0.24.0` and `constructs >=10.6.0 <10.8.0`
 *   (`npm view @cdktn/provider-aws@25.7.0 peerDependencies`).
 * - constructs 10.7.2 is the newest release in that peer range.
 * - None of them has an install script (`npm view <pkg>@<version> scripts`), so installing with
 *   `--ignore-scripts` loses nothing; npm 11 would not run them unasked anyway.
 * - TypeScript is the repository's own pinned version (package.json), so both sides compile alike.
 */
export const CDKTN_PACKAGES: Readonly<Record<string, string>> = {
  cdktn: "0.24.0",
  "@cdktn/provider-aws": "25.7.0",
  constructs: "10.7.2",
};
