#!/usr/bin/env node
/**
 * Second step of `npm run build`: copies the instance files (`modules/<module>/scripts/*`: shell
 * scripts, systemd units) next to
 * the compiled modules. Modules read them at synth time from `join(__dirname, "scripts", name)`, so
 * `dist/modules/clients/user-data.js` needs `dist/modules/clients/scripts/mount-shared-home.sh`, just as
 * `modules/clients/user-data.ts` needs `modules/clients/scripts/...` when run from source.
 */
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports */

const fs = require("node:fs");
const path = require("node:path");

const PROJECT_ROOT = path.resolve(__dirname, "..");
const SOURCE = path.join(PROJECT_ROOT, "modules");
const TARGET = path.join(PROJECT_ROOT, "dist", "modules");

let copied = 0;
for (const module of fs.readdirSync(SOURCE, { withFileTypes: true })) {
  const scripts = path.join(SOURCE, module.name, "scripts");
  if (!module.isDirectory() || !fs.existsSync(scripts)) continue;
  for (const file of fs.readdirSync(scripts, { withFileTypes: true }).filter((entry) => entry.isFile())) {
    fs.mkdirSync(path.join(TARGET, module.name, "scripts"), { recursive: true });
    fs.copyFileSync(path.join(scripts, file.name), path.join(TARGET, module.name, "scripts", file.name));
    copied += 1;
  }
}
if (copied === 0) throw new Error(`no instance files found under ${SOURCE}/*/scripts/`);
