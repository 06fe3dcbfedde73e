import { SettingsError } from "../../settings/errors";
import { parseSettings } from "../../settings/load";

/** Settings shared by the settings tests. */

/** The smallest valid settings: a Region and two of its AZs. */
export const MINIMAL_SETTINGS = { region: "eu-west-1", availabilityZones: ["eu-west-1a", "eu-west-1b"] };

/** A valid `network.existing` for MINIMAL_SETTINGS: one public and one private subnet per AZ. */
export const EXISTING_NETWORK = {
  vpcId: "vpc-0123456789abcdef0",
  publicSubnets: [
    { id: "subnet-0aaaaaaaaaaaaaaa1", availabilityZone: "eu-west-1a" },
    { id: "subnet-0aaaaaaaaaaaaaaa2", availabilityZone: "eu-west-1b" },
  ],
  privateSubnets: [
    { id: "subnet-0bbbbbbbbbbbbbbb1", availabilityZone: "eu-west-1a" },
    { id: "subnet-0bbbbbbbbbbbbbbb2", availabilityZone: "eu-west-1b" },
  ],
};

/** The problem lines of invalid settings; fails the test if they are valid. */
export function problemsOf(input: unknown): readonly string[] {
  try {
    parseSettings(input, "test.json");
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  throw new Error("expected the settings to be rejected");
}
