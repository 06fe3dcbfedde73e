import { Construct } from "constructs";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { jsonDocument } from "../shared/json";

/**
 * What SSM Agent needs for Session Manager and Run Command, and nothing else. The AWS-managed
 * `AmazonSSMManagedInstanceCore` also allows `ssm:GetParameter(s)` and `ssm:GetDocument` on `*`:
 * every instance could read every SSM parameter in the account, secure strings included.
 *
 * Sources: Systems Manager User Guide, "Reference: ec2messages, ssmmessages, and other API
 * operations" (ssmmessages: Session Manager channels; ec2messages: Run Command and the agent's
 * message polling) and the AWS-managed `AWSCloud9SSMInstanceProfile`, which is the Session Manager
 * part on its own (`ssm:UpdateInstanceInformation` and the four `ssmmessages` actions).
 *
 * These actions take no resource ARN (Service Authorization Reference), hence `Resource: "*"`.
 *
 * DEVIATION from the usual setup: no State Manager associations, patching, inventory or parameter
 * reads. Attach `AmazonSSMManagedInstanceCore` to `EfsClients.role` yourself if you need them.
 */
export const SSM_AGENT_ACTIONS = [
  "ssm:UpdateInstanceInformation",
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
  "ec2messages:AcknowledgeMessage",
  "ec2messages:DeleteMessage",
  "ec2messages:FailMessage",
  "ec2messages:GetEndpoint",
  "ec2messages:GetMessages",
  "ec2messages:SendReply",
] as const;

/** Gives `role` the inline policy SSM Agent needs for Session Manager and Run Command. */
export function addSsmAgentPolicy(scope: Construct, role: { readonly id: string }): IamRolePolicy {
  return new IamRolePolicy(scope, "ssm-agent-policy", {
    role: role.id,
    name: "ssm-agent",
    policy: jsonDocument({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "SessionManagerAndRunCommand",
          Effect: "Allow",
          Action: [...SSM_AGENT_ACTIONS],
          Resource: "*",
        },
      ],
    }),
  });
}
