import { validateFileSystemProps } from "../../modules/efs/validate";
import type { SharedFileSystemProps } from "../../modules/efs";
import { PropsValidationError } from "../../modules/shared/validation";
import { TEST_SUBNETS, TEST_VPC_ID } from "../helpers/app";

// Access-point path and mode rules that the mutation run on modules/efs/validate.ts showed untested
// (npm run test:mutation, issue #23): each shape EFS refuses, and the mode's anchors.

function problemsOf(
  accessPoint: NonNullable<SharedFileSystemProps["accessPoints"]>[string],
): readonly string[] {
  try {
    validateFileSystemProps("fs", {
      vpcId: TEST_VPC_ID,
      subnets: TEST_SUBNETS,
      accessPoints: { app: accessPoint },
    });
  } catch (error) {
    if (error instanceof PropsValidationError) return error.problems;
    throw error;
  }
  return [];
}

test.each(["app", "/", "/a//b", "/a/../b", "/a/", "//a"])("refuses the access-point path %p", (path) => {
  expect(problemsOf({ path })).toEqual([
    `accessPoints.app.path: ${JSON.stringify(path)} must be an absolute directory other than "/", without "..", "//" or a trailing "/"`,
  ]);
});

test.each(["/a", "/a/b.c/d-e/f_g", "/..a"])(
  "takes the path %p as a shape (a leading dot is refused by its own rule)",
  (path) => {
    expect(problemsOf({ path }).filter((p) => p.includes("must be an absolute directory"))).toEqual([]);
  },
);

test.each(["750", "0750", "7777"])("accepts the mode %p", (permissions) => {
  expect(problemsOf({ path: "/app", creationInfo: { ownerUid: 1, ownerGid: 1, permissions } })).toEqual([]);
});

test.each(["75", "07500", "a750", "0750a", "0758"])("refuses the mode %p", (permissions) => {
  expect(problemsOf({ path: "/app", creationInfo: { ownerUid: 1, ownerGid: 1, permissions } })).toEqual([
    `accessPoints.app.creationInfo.permissions: ${JSON.stringify(permissions)} is not an octal mode such as "0750"`,
  ]);
});
