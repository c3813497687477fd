import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/** Props of {@link UserDirectory}. */
export interface UserDirectoryProps {
  /** Prefix of the pool name, e.g. `untxt-dev`. */
  readonly prefix: string;
  /** Cognito threat protection in enforcement mode (Plus feature plan, billed per MAU). */
  readonly threatProtection: boolean;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** The Cognito group whose members see the whole system (`cognito:groups` claim). */
export const ADMINS_GROUP = 'admins';

/**
 * The Cognito user pool (e-mail sign-in, strong password policy, optional TOTP MFA), the `admins`
 * group and the browser app client (SRP, no secret, revocable tokens).
 */
export class UserDirectory extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;

  constructor(scope: Construct, id: string, props: UserDirectoryProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'Pool', {
      userPoolName: `${props.prefix}-users`,
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: props.threatProtection ? FeaturePlan.PLUS : FeaturePlan.ESSENTIALS,
      ...(props.threatProtection && {
        standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      }),
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    new UserPoolGroup(this, 'Admins', {
      userPool: this.userPool,
      groupName: ADMINS_GROUP,
      description: 'untxt administrators: system overview, every task, dead-letter redrive',
    });
    this.client = this.userPool.addClient('WebClient', {
      // The console signs in with USER_PASSWORD_AUTH over TLS (web/src/auth/cognito-auth.ts), which
      // keeps the bundle free of an SRP library; SRP stays allowed for other clients.
      authFlows: { userSrp: true, userPassword: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is optional by product decision (TOTP offered to every user); admins are expected to enrol.',
    });
    if (!props.threatProtection) {
      const reason =
        'Threat protection (Plus plan, per-MAU price) is enforced in prod only; this stage has no real users.';
      Validations.of(this.userPool).acknowledge(
        { id: 'AwsSolutions-COG3', reason },
        { id: 'AwsSolutions-COG8', reason },
      );
    }
  }
}
