import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { INTAKE_MAX_RECEIVE_COUNT, FUNCTION_SETTINGS } from '../../lib/config/function-settings.js';
import { logicalIdOf, synthesizeApp, type UntxtStacks } from './app-fixture.js';

describe('StatefulStack', () => {
  let dev: UntxtStacks;
  let prod: UntxtStacks;

  beforeAll(() => {
    dev = synthesizeApp('dev');
    prod = synthesizeApp('prod');
  });

  describe('key', () => {
    it('rotates the customer-managed key', () => {
      // Prepare
      const template = dev.statefulTemplate;

      // Act
      const keys = template.findResources('AWS::KMS::Key');

      // Assess
      expect(Object.values(keys).length).toBeGreaterThan(0);
      for (const key of Object.values(keys)) expect(key.Properties.EnableKeyRotation).toBe(true);
    });

    it('lets CloudWatch Logs use the data key only for this account’s log groups', () => {
      // Prepare
      const template = dev.statefulTemplate;

      // Act / Assess
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'CloudWatchLogs',
              Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
            }),
          ]),
        },
      });
    });
  });

  describe('documents bucket', () => {
    const documentsBucket = () => dev.stateful.documents.bucket;

    it('encrypts with the data key and a bucket key, blocks public access and keeps versions', () => {
      // Prepare
      const template = dev.statefulTemplate;

      // Act / Assess
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': [logicalIdOf(dev.stateful.key), 'Arn'] },
              },
            },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: {
          DestinationBucketName: { Ref: logicalIdOf(dev.stateful.logBucket) },
          LogFilePrefix: 'documents/',
        },
      });
    });

    it('denies requests without TLS', () => {
      // Prepare
      const template = dev.statefulTemplate;

      // Act / Assess
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalIdOf(documentsBucket()) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('allows browser POST uploads from the web app origin', () => {
      // Prepare
      const template = dev.statefulTemplate;

      // Act / Assess
      template.hasResourceProperties('AWS::S3::Bucket', {
        CorsConfiguration: {
          CorsRules: [
            Match.objectLike({
              AllowedMethods: ['POST'],
              AllowedOrigins: Match.arrayWith([
                {
                  'Fn::Join': [
                    '',
                    [
                      'https://',
                      { 'Fn::GetAtt': [logicalIdOf(dev.stateful.web.distribution), 'DomainName'] },
                    ],
                  ],
                },
              ]),
            }),
          ],
        },
      });
    });

    it('archives soft-deleted objects to Glacier IR at 7 days and expires them at 30', () => {
      // Prepare
      const template = dev.statefulTemplate;

      // Act / Assess
      template.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({
              Status: 'Enabled',
              TagFilters: [{ Key: 'deleted', Value: 'true' }],
              Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 7 }],
              ExpirationInDays: 30,
            }),
          ]),
        },
      });
    });

    it('notifies the intake queue of objects created under uploads/', () => {
      // Prepare
      const template = dev.statefulTemplate;

      // Act / Assess
      template.hasResourceProperties('Custom::S3BucketNotifications', {
        BucketName: { Ref: logicalIdOf(documentsBucket()) },
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
              QueueArn: { 'Fn::GetAtt': [logicalIdOf(dev.stateful.intake.queue), 'Arn'] },
            },
          ],
        },
      });
    });
  });

  describe('intake queue', () => {
    it('is KMS-encrypted, dead-letters after 5 receives and hides messages for 6 × the dispatcher timeout', () => {
      // Prepare
      const template = dev.statefulTemplate;
      const { queue, deadLetterQueue, key } = dev.stateful.intake;

      // Act / Assess
      template.hasResourceProperties('AWS::SQS::Queue', {
        KmsMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(key), 'Arn'] },
        VisibilityTimeout: 6 * FUNCTION_SETTINGS.dispatcher.timeoutSeconds,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(deadLetterQueue), 'Arn'] },
          maxReceiveCount: INTAKE_MAX_RECEIVE_COUNT,
        },
      });
      expect(INTAKE_MAX_RECEIVE_COUNT).toBeGreaterThanOrEqual(5);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalIdOf(queue) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });
  });

  describe('database', () => {
    it('runs encrypted PostgreSQL in isolated subnets, private, with backups', () => {
      // Prepare
      const template = dev.statefulTemplate;

      // Act / Assess
      template.hasResourceProperties('AWS::RDS::DBInstance', {
        Engine: 'postgres',
        // A full minor version RDS still creates (a bare major is refused for new instances).
        EngineVersion: '17.9',
        StorageEncrypted: true,
        PubliclyAccessible: false,
        BackupRetentionPeriod: 1,
        DeletionProtection: false,
        MultiAZ: false,
        EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
      });
      template.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
        SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('NetworkdataSubnet') }]),
      });
    });

    it('turns on Multi-AZ, deletion protection and longer backups in prod', () => {
      // Prepare
      const template = prod.statefulTemplate;

      // Act / Assess
      template.hasResourceProperties('AWS::RDS::DBInstance', {
        MultiAZ: true,
        DeletionProtection: true,
        BackupRetentionPeriod: 14,
      });
    });

    it('keeps the credentials in a KMS-encrypted secret rotated every 30 days', () => {
      // Prepare
      const template = dev.statefulTemplate;

      // Act / Assess
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(dev.stateful.key), 'Arn'] },
      });
      template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
      });
    });

    it('is reached through RDS Proxy with IAM authentication and TLS only', () => {
      // Prepare
      const template = dev.statefulTemplate;

      // Act / Assess
      template.hasResourceProperties('AWS::RDS::DBProxy', {
        EngineFamily: 'POSTGRESQL',
        RequireTLS: true,
        Auth: [Match.objectLike({ AuthScheme: 'SECRETS', IAMAuth: 'REQUIRED' })],
      });
    });

    it('accepts proxy connections only from the functions’ security group', () => {
      // Prepare
      const template = dev.statefulTemplate;

      // Act / Assess
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        FromPort: 5432,
        ToPort: 5432,
        SourceSecurityGroupId: { 'Fn::GetAtt': [logicalIdOf(dev.stateful.functionSecurityGroup), 'GroupId'] },
      });
    });
  });

  describe('network', () => {
    it('has one NAT gateway in dev, one per AZ in prod, and a free S3 gateway endpoint', () => {
      // Prepare / Act / Assess
      dev.statefulTemplate.resourceCountIs('AWS::EC2::NatGateway', 1);
      prod.statefulTemplate.resourceCountIs('AWS::EC2::NatGateway', 2);
      dev.statefulTemplate.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['.s3'])]) }),
      });
      dev.statefulTemplate.resourceCountIs('AWS::EC2::FlowLog', 1);
    });
  });

  describe('database to Lambda (aws_lambda extension)', () => {
    const access = () => dev.stateful.databaseLambda;

    it('associates a role only RDS, for this account and this instance, may assume, for the Lambda feature', () => {
      // Prepare
      const template = dev.statefulTemplate;
      const roleId = logicalIdOf(access().role);

      // Act
      const role = template.toJSON().Resources[roleId];

      // Assess
      template.hasResourceProperties('AWS::RDS::DBInstance', {
        DBInstanceIdentifier: 'untxt-dev-postgres',
        AssociatedRoles: [{ FeatureName: 'Lambda', RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] } }],
      });
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'rds.amazonaws.com' },
          Condition: {
            StringEquals: {
              'aws:SourceAccount': { Ref: 'AWS::AccountId' },
              'aws:SourceArn': {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':rds:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    ':db:untxt-dev-postgres',
                  ],
                ],
              },
            },
          },
        },
      ]);
      // Its one permission comes from the app stack, next to the function it may invoke.
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain(`"${roleId}"`);
    });

    it('lets RDS resolve a lambda interface endpoint with private DNS, in one AZ in dev and one per AZ in prod', () => {
      // Prepare
      const endpointOf = (stacks: UntxtStacks) =>
        stacks.statefulTemplate.toJSON().Resources[logicalIdOf(stacks.stateful.databaseLambda.endpoint)];

      // Act
      const devEndpoint = endpointOf(dev);
      const prodEndpoint = endpointOf(prod);

      // Assess
      expect(devEndpoint.Properties).toMatchObject({
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: true,
        ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.lambda']] },
        SecurityGroupIds: [{ 'Fn::GetAtt': [logicalIdOf(access().endpointSecurityGroup), 'GroupId'] }],
      });
      expect(devEndpoint.Properties.SubnetIds).toEqual([
        { Ref: expect.stringMatching(/^NetworkdataSubnet1/) },
      ]);
      expect(devEndpoint.Properties.SubnetIds).toHaveLength(1);
      expect(prodEndpoint.Properties.SubnetIds).toHaveLength(2);
      for (const subnet of prodEndpoint.Properties.SubnetIds as Array<{ Ref: string }>)
        expect(subnet.Ref).toMatch(/^NetworkdataSubnet\d/);
      dev.statefulTemplate.hasResourceProperties('AWS::RDS::DBParameterGroup', {
        Parameters: { 'rds.force_ssl': '1', 'rds.custom_dns_resolution': '1' },
      });
    });

    it('admits only the database and the functions to the endpoint, on 443, and the database nowhere else', () => {
      // Prepare
      const template = dev.statefulTemplate;
      const groupId = (id: string) => ({ 'Fn::GetAtt': [id, 'GroupId'] });
      const endpointGroup = groupId(logicalIdOf(access().endpointSecurityGroup));
      const databaseGroup = groupId(logicalIdOf(dev.stateful.database.connections.securityGroups[0]!));

      // Act
      const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
        .map((rule) => rule.Properties)
        .filter((rule) => JSON.stringify(rule.GroupId) === JSON.stringify(endpointGroup));
      const databaseEgress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress'))
        .map((rule) => rule.Properties)
        .filter((rule) => JSON.stringify(rule.GroupId) === JSON.stringify(databaseGroup));

      // Assess
      expect(
        ingress.map((rule) => [rule.IpProtocol, rule.FromPort, rule.ToPort, rule.SourceSecurityGroupId]),
      ).toEqual(
        expect.arrayContaining([
          ['tcp', 443, 443, databaseGroup],
          ['tcp', 443, 443, groupId(logicalIdOf(dev.stateful.functionSecurityGroup))],
        ]),
      );
      expect(ingress).toHaveLength(2);
      expect(databaseEgress).toEqual([
        expect.objectContaining({
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          DestinationSecurityGroupId: endpointGroup,
        }),
      ]);
      const group = template.toJSON().Resources[logicalIdOf(access().endpointSecurityGroup)];
      expect(JSON.stringify(group.Properties.SecurityGroupIngress ?? [])).not.toContain('CidrIp');
    });

    it('refers to nothing in the app stack', () => {
      // Prepare
      const template = JSON.stringify(dev.statefulTemplate.toJSON());

      // Act / Assess: the data stack deploys (and stays) without the app stack
      expect(template).not.toContain('Fn::ImportValue');
      expect(template).not.toContain('Fn::GetStackOutput');
    });
  });

  describe('users', () => {
    it('has a strong password policy, optional TOTP MFA, an admins group and a public client', () => {
      // Prepare
      const template = dev.statefulTemplate;

      // Act / Assess
      template.hasResourceProperties('AWS::Cognito::UserPool', {
        MfaConfiguration: 'OPTIONAL',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
      });
      template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'admins' });
      template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        GenerateSecret: false,
        PreventUserExistenceErrors: 'ENABLED',
        // What the web console's sign-in and token refresh use.
        ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
      });
    });

    it('enforces threat protection in prod', () => {
      // Prepare / Act / Assess
      prod.statefulTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      });
    });
  });

  describe('web hosting', () => {
    it('serves the private web bucket through CloudFront with origin access control and security headers', () => {
      // Prepare
      const template = dev.statefulTemplate;

      // Act / Assess
      template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
      template.hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: Match.objectLike({
          DefaultRootObject: 'index.html',
          DefaultCacheBehavior: Match.objectLike({
            ViewerProtocolPolicy: 'redirect-to-https',
            ResponseHeadersPolicyId: Match.anyValue(),
          }),
          Logging: Match.objectLike({ Prefix: 'cloudfront/' }),
        }),
      });
      template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
        ResponseHeadersPolicyConfig: {
          SecurityHeadersConfig: Match.objectLike({
            StrictTransportSecurity: Match.objectLike({ IncludeSubdomains: true, Preload: true }),
            FrameOptions: { FrameOption: 'DENY', Override: true },
            ContentTypeOptions: { Override: true },
            ContentSecurityPolicy: Match.objectLike({
              ContentSecurityPolicy: Match.stringLikeRegexp("frame-ancestors 'none'"),
            }),
          }),
        },
      });
    });
  });
});
