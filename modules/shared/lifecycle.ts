import { Token } from "cdktf";

/** What `toHclTerraform()` returns for a resource: `{ resource: { <type>: { <name>: attributes } } }`. */
interface HclFragment {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
}

/**
 * Marks the `lifecycle.replace_triggered_by` entries of a resource's HCL fragment (the value of
 * `toHclTerraform()`) as references, for a resource class to return from its `toHclTerraform()`.
 *
 * `replace_triggered_by` takes references, not strings. Terraform JSON spells a reference as a bare
 * string (`"aws_launch_template.x.latest_version"`), and that is what cdktf writes; cdktf 0.21's HCL
 * writer quotes the same string, which Terraform refuses ("Invalid replace_triggered_by
 * expression"). Entries typed `reference` are written as they are, so the HCL reads
 * `replace_triggered_by = [aws_launch_template.x.latest_version]`. The JSON synth is not affected.
 */
export function replaceTriggersAsReferences<T extends HclFragment>(fragment: T): T {
  for (const resources of Object.values(fragment.resource ?? {})) {
    for (const attributes of Object.values(resources)) {
      const lifecycle = attributes.lifecycle as Record<string, unknown> | undefined;
      const triggers: unknown = lifecycle?.replace_triggered_by;
      if (!Array.isArray(triggers) || triggers.length === 0) continue;
      for (const trigger of triggers) {
        // A token would resolve to "${...}" inside the list, which is not a reference either.
        if (typeof trigger !== "string" || Token.isUnresolved(trigger)) {
          throw new Error(`replace_triggered_by entries must be literal addresses, got ${String(trigger)}`);
        }
      }
      attributes.lifecycle = {
        isBlock: true,
        value: {
          ...lifecycle,
          replace_triggered_by: { type: "reference", value: `[${triggers.join(", ")}]` },
        },
      };
    }
  }
  return fragment;
}
