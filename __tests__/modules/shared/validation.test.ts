import { Lazy } from "cdktf";
import { PropsValidationError, ValidationErrors } from "../../../modules/shared/validation";

describe("ValidationErrors.checkFormat", () => {
  test("records the value and the problem when the value does not match", () => {
    const errors = new ValidationErrors("stack/thing");
    errors.checkFormat("region", "Frankfurt", /^[a-z]{2}-[a-z]+-\d$/, "is not a Region name");
    expect(() => errors.throwIfAny()).toThrow(PropsValidationError);
    expect(() => errors.throwIfAny()).toThrow(
      'Invalid props for stack/thing:\n  - region: "Frankfurt" is not a Region name',
    );
  });

  test("skips absent values, unresolved tokens and matching values", () => {
    const errors = new ValidationErrors("stack/thing");
    errors.checkFormat("a", undefined, /^x$/, "is wrong");
    errors.checkFormat("b", Lazy.stringValue({ produce: () => "eu-west-1" }), /^x$/, "is wrong");
    errors.checkFormat("c", "x", /^x$/, "is wrong");
    expect(errors.count).toBe(0);
  });
});
