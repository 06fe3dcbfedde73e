import { parseSettings } from "../../settings/load";
import { toStackProps } from "../../settings/stack-props";

const BASE = { region: "eu-west-1", availabilityZones: ["eu-west-1a", "eu-west-1b"] };

test("network.hostSubnets reaches the stacks as their hostSubnets, not as a Network prop", () => {
  const props = toStackProps(parseSettings({ ...BASE, network: { hostSubnets: "private" } }, "env.json"));
  expect(props.hostSubnets).toBe("private");
  expect(props.network).toEqual({ availabilityZones: ["eu-west-1a", "eu-west-1b"] });
  expect(toStackProps(parseSettings(BASE, "env.json")).hostSubnets).toBeUndefined();
});

test("network.hostSubnets takes public or private only, and says what private costs", () => {
  expect(() => parseSettings({ ...BASE, network: { hostSubnets: "nat" } }, "env.json")).toThrow(
    /network\.hostSubnets: must be "public" \(hosts with public IPs, the default\) or "private" \(no public IPs; VPC endpoints, charged per AZ and hour\)/,
  );
});
