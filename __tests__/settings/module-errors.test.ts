import { Testing } from "cdktf";
import { EfsStack } from "../../stacks/efs-stack";
import { SettingsError } from "../../settings/errors";
import { buildReportingSettingsPaths, settingsPathOf } from "../../settings/module-errors";
import { parseSettings } from "../../settings/load";
import { Settings } from "../../settings/schema";
import { toStackProps } from "../../settings/stack-props";

function settingsWith(fileSystem: Record<string, unknown>): Settings {
  return parseSettings(
    { region: "eu-west-1", availabilityZones: ["eu-west-1a", "eu-west-1b"], fileSystem },
    "env.json",
  );
}

/** Builds both project stacks from `settings` the way main.ts does; returns the reported problems. */
function moduleProblemsOf(settings: Settings): readonly string[] {
  const app = Testing.app();
  const props = toStackProps(settings);
  try {
    buildReportingSettingsPaths(settings, "env.json", [
      () => new EfsStack(app, "efs", props),
      () => new EfsStack(app, "efs-with-backup", props),
    ]);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  throw new Error("expected the modules to reject the settings");
}

test("maps a construct's prop to the settings path that feeds it", () => {
  expect(settingsPathOf("efs/shared-file-system", "lifecycle.transitionToArchive")).toBe(
    "fileSystem.lifecycle.transitionToArchive",
  );
  expect(settingsPathOf("efs-with-backup/shared-file-system", "subnets")).toBe("availabilityZones");
  expect(settingsPathOf("efs/network", "flowLogs.retentionDays")).toBe("network.flowLogs.retentionDays");
  expect(settingsPathOf("efs/something-new", "x")).toBeUndefined();
});

test("throughput and performance contradictions are reported against fileSystem.*, once for both stacks", () => {
  // GIVEN elastic throughput with maxIO, and a provisioned rate without provisioned mode
  const settings = settingsWith({ performanceMode: "maxIO", provisionedThroughputMibps: 100 });
  // WHEN / THEN
  expect(moduleProblemsOf(settings)).toEqual([
    'fileSystem.provisionedThroughputMibps: 100 is set but throughputMode is "elastic"; it applies only to "provisioned" (got 100)',
    'fileSystem.throughputMode: "elastic" cannot be combined with performanceMode "maxIO"; use "generalPurpose", or throughput "bursting" or "provisioned" (got nothing)',
  ]);
});

test("provisioned throughput without a rate names the allowed range", () => {
  expect(moduleProblemsOf(settingsWith({ throughputMode: "provisioned" }))).toEqual([
    'fileSystem.provisionedThroughputMibps: is required when throughputMode is "provisioned"; give 1 to 3414 MiB/s (got nothing)',
  ]);
  expect(
    moduleProblemsOf(settingsWith({ throughputMode: "provisioned", provisionedThroughputMibps: 5000 })),
  ).toEqual([
    "fileSystem.provisionedThroughputMibps: 5000 is out of range; allowed 1 to 3414 MiB/s (got 5000)",
  ]);
});

test("lifecycle contradictions are reported against fileSystem.lifecycle.*", () => {
  const settings = settingsWith({
    throughputMode: "bursting",
    lifecycle: { transitionToIa: "AFTER_90_DAYS", transitionToArchive: "AFTER_30_DAYS" },
  });
  expect(moduleProblemsOf(settings)).toEqual([
    'fileSystem.lifecycle.transitionToArchive: Archive needs throughputMode "elastic" and performanceMode "generalPurpose"; got "bursting" and "generalPurpose" (got "AFTER_30_DAYS")',
    'fileSystem.lifecycle.transitionToArchive: "AFTER_30_DAYS" must come later than transitionToIa "AFTER_90_DAYS" (got "AFTER_30_DAYS")',
  ]);
});

test("a module rule about subnets is reported against availabilityZones", () => {
  // One Zone needs exactly one mount-target subnet, but the stack spans every AZ of the settings.
  const settings = settingsWith({ oneZoneAvailabilityZone: "eu-west-1a" });
  expect(moduleProblemsOf(settings)).toEqual([
    'availabilityZones: a One Zone file system in "eu-west-1a" needs exactly one subnet in that AZ, got AZs ["eu-west-1a","eu-west-1b"] (got ["eu-west-1a","eu-west-1b"])',
  ]);
});

test("a monitoring threshold out of range is reported against monitoring.*", () => {
  const settings = parseSettings(
    {
      region: "eu-west-1",
      availabilityZones: ["eu-west-1a", "eu-west-1b"],
      monitoring: { percentIoLimitThreshold: 150 },
    },
    "env.json",
  );
  expect(moduleProblemsOf(settings)).toEqual([
    "monitoring.percentIoLimitThreshold: 150 is out of range; allowed 1 to 100 percent (got 150)",
  ]);
});

test("errors that are not validation errors pass through unchanged", () => {
  const failure = new Error("disk full");
  expect(() =>
    buildReportingSettingsPaths(settingsWith({}), "env.json", [
      () => {
        throw failure;
      },
    ]),
  ).toThrow(failure);
});
