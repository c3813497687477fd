import { ArnFormat, Stack } from 'aws-cdk-lib';
import {
  InterfaceVpcEndpoint,
  InterfaceVpcEndpointAwsService,
  type ISecurityGroup,
  type IVpc,
  Port,
  SecurityGroup,
} from 'aws-cdk-lib/aws-ec2';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { CfnDBInstance, DatabaseInstance } from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';

/** The `FeatureName` RDS for PostgreSQL uses for the `aws_lambda` extension's role. */
export const LAMBDA_FEATURE = 'Lambda';

/** Props of {@link DatabaseLambdaAccess}. */
export interface DatabaseLambdaAccessProps {
  readonly vpc: IVpc;
  readonly database: DatabaseInstance;
  /**
   * The instance's identifier. The role's trust policy names the instance by an ARN built from it:
   * the instance itself refers to the role (`AssociatedRoles`), so a reference back would be a cycle.
   */
  readonly instanceIdentifier: string;
  readonly databaseSecurityGroup: ISecurityGroup;
  /**
   * The functions' security group. The endpoint's private DNS answers for
   * `lambda.{region}.amazonaws.com` in the whole VPC, so functions that call the Lambda API (CDK's
   * custom-resource provider invoking `migrate`) reach it through the endpoint from then on.
   */
  readonly functionSecurityGroup: ISecurityGroup;
  /** AZs (isolated subnets) to place the endpoint in; see `StageConfig.lambdaEndpointAzs`. */
  readonly endpointAzs: number;
}

/**
 * What RDS for PostgreSQL needs to invoke Lambda through the `aws_lambda` extension, on the data
 * side: a role that only RDS, for this account and this instance, may assume, associated with the
 * instance under the feature name `Lambda`; and, since the instance sits in isolated subnets without
 * a NAT, a `lambda` interface endpoint with private DNS that the database may reach on 443.
 *
 * The role starts without permissions. Which function it may invoke is granted from the stack that
 * owns the function ({@link DatabaseLambdaAccess.allowInvoke}), so this stack never depends on it.
 * The parameter group must also set `rds.custom_dns_resolution = 1`, or RDS does not resolve the
 * endpoint's private DNS name (see `StatefulStack`).
 */
export class DatabaseLambdaAccess extends Construct {
  /** The role RDS assumes to call `lambda:InvokeFunction`. */
  readonly role: Role;
  readonly endpoint: InterfaceVpcEndpoint;
  readonly endpointSecurityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: DatabaseLambdaAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const instanceArn = stack.formatArn({
      service: 'rds',
      resource: 'db',
      resourceName: props.instanceIdentifier,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    // Confused-deputy guard: RDS may assume the role only on behalf of this account's instance.
    this.role = new Role(this, 'Role', {
      description: 'untxt: RDS for PostgreSQL (aws_lambda extension) invokes the dbChange function',
      assumedBy: new ServicePrincipal('rds.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': instanceArn },
      }),
    });
    const instance = props.database.node.defaultChild as CfnDBInstance;
    instance.associatedRoles = [{ featureName: LAMBDA_FEATURE, roleArn: this.role.roleArn }];

    this.endpointSecurityGroup = new SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: props.vpc,
      description: 'untxt lambda interface endpoint (database: aws_lambda; functions: Lambda API)',
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup.addIngressRule(
      props.databaseSecurityGroup,
      Port.tcp(443),
      'database to the Lambda API (aws_lambda extension)',
    );
    this.endpointSecurityGroup.addIngressRule(
      props.functionSecurityGroup,
      Port.tcp(443),
      'functions to the Lambda API (private DNS answers for the whole VPC)',
    );
    props.databaseSecurityGroup.addEgressRule(
      this.endpointSecurityGroup,
      Port.tcp(443),
      'database to the Lambda API (aws_lambda extension)',
    );
    this.endpoint = new InterfaceVpcEndpoint(this, 'Endpoint', {
      vpc: props.vpc,
      service: InterfaceVpcEndpointAwsService.LAMBDA,
      privateDnsEnabled: true,
      subnets: { subnets: props.vpc.isolatedSubnets.slice(0, props.endpointAzs) },
      securityGroups: [this.endpointSecurityGroup],
      // Only the two security groups above, not the whole VPC CIDR (CDK's default).
      open: false,
    });
  }

  /**
   * Lets the database invoke exactly `fn`: a managed policy created in `scope` (the stack that owns
   * the function) and attached to {@link DatabaseLambdaAccess.role}. The dependency runs from that
   * stack to this one, never back.
   */
  allowInvoke(scope: Construct, id: string, fn: IFunction): ManagedPolicy {
    return new ManagedPolicy(scope, id, {
      description: 'untxt: the database (aws_lambda extension) may invoke the dbChange function',
      roles: [this.role],
      statements: [new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] })],
    });
  }
}
