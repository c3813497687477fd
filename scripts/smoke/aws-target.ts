import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { randomBytes } from 'node:crypto';
import type { SmokeTarget } from './run-smoke.js';

/** The outputs the smoke test reads, by stack: `{prefix}-app` and `{prefix}-data`. */
const OUTPUTS = { app: ['ApiUrl', 'WebSocketUrl'], data: ['UserPoolId', 'UserPoolClientId'] } as const;

/**
 * A deployed stage: its URLs and Cognito ids from the stacks' outputs, and a throw-away user created
 * with the Cognito admin API (no e-mail sent), signed in with USER_PASSWORD_AUTH and deleted after.
 *
 * Needs credentials allowed `cloudformation:DescribeStacks`, `cognito-idp:AdminCreateUser`,
 * `AdminSetUserPassword`, `AdminDeleteUser` (and the public `InitiateAuth`).
 */
export async function awsTarget(options: { prefix: string; region?: string }): Promise<SmokeTarget> {
  const cloudFormation = new CloudFormationClient({ region: options.region });
  const outputs: Record<string, string> = {};
  for (const [suffix, names] of Object.entries(OUTPUTS)) {
    const stackName = `${options.prefix}-${suffix}`;
    const { Stacks = [] } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    for (const name of names) {
      const value = Stacks[0]?.Outputs?.find((output) => output.OutputKey === name)?.OutputValue;
      if (!value)
        throw new Error(`Stack ${stackName} has no output ${name}: is it deployed (cdk deploy --all)?`);
      outputs[name] = value;
    }
  }
  cloudFormation.destroy();

  const cognito = new CognitoIdentityProviderClient({ region: options.region });
  const userPoolId = outputs.UserPoolId!;
  const email = `untxt-smoke-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
  // Meets the pool's policy: 12+ characters, upper and lower case, a digit and a symbol.
  const password = `Sm0ke!${randomBytes(12).toString('base64url')}`;
  let created = false;

  return {
    apiUrl: outputs.ApiUrl!.replace(/\/$/, ''),
    webSocketUrl: outputs.WebSocketUrl!.replace(/\/$/, ''),
    async signIn() {
      await cognito.send(
        new AdminCreateUserCommand({
          UserPoolId: userPoolId,
          Username: email,
          MessageAction: 'SUPPRESS',
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'email_verified', Value: 'true' },
          ],
        }),
      );
      created = true;
      await cognito.send(
        new AdminSetUserPasswordCommand({
          UserPoolId: userPoolId,
          Username: email,
          Password: password,
          Permanent: true,
        }),
      );
      const auth = await cognito.send(
        new InitiateAuthCommand({
          ClientId: outputs.UserPoolClientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
      );
      const token = auth.AuthenticationResult?.IdToken;
      if (!token)
        throw new Error(`Cognito asked for ${auth.ChallengeName ?? 'something else'} instead of a token`);
      return token;
    },
    async cleanUp() {
      if (created)
        await cognito.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: email }));
      cognito.destroy();
    },
  };
}
