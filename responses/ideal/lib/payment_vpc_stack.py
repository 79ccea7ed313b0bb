"""A PCI DSS network foundation for a payment processing application."""

from aws_cdk import (
    CfnOutput,
    Fn,
    RemovalPolicy,
    Stack,
    Tags,
    Token,
    aws_ec2 as ec2,
    aws_logs as logs,
)
from constructs import Construct

VPC_CIDR = "10.0.0.0/16"
AZ_COUNT = 3
SUBNET_CIDR_MASK = 24

REQUIRED_TAGS = {
    "Environment": "Production",
    "Project": "PaymentGateway",
}

# TCP port ranges the private tier may receive and send, in NACL rule order.
# NACLs are stateless, so replies to connections opened in either direction
# arrive on the ephemeral range and need their own entries.
PRIVATE_TCP_RULES = (
    ("Https", 443, 443),
    ("Mysql", 3306, 3306),
    ("Redis", 6379, 6379),
    ("Ephemeral", 1024, 65535),
)
FIRST_ALLOW_RULE_NUMBER = 100
RULE_NUMBER_STEP = 10
# 32766 is the highest number a custom NACL entry may take, so the deny-all
# entry is evaluated after every allow entry.
DENY_ALL_RULE_NUMBER = 32766


class PaymentVpcStack(Stack):
    """VPC over three AZs with per-AZ NAT, a locked-down private tier and flow logs."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environment_suffix: str,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.environment_suffix = environment_suffix

        self.vpc = self._create_vpc()
        self.flow_log_group = self._create_flow_log_group()
        self.flow_log = self._enable_flow_logs(self.flow_log_group)
        self.network_acl = self._create_private_network_acl()
        self.s3_endpoint = self._create_s3_endpoint()
        self._add_outputs()

        for key, value in REQUIRED_TAGS.items():
            Tags.of(self).add(key, value)

    @property
    def availability_zones(self) -> list[str]:
        """Return three distinct AZs of the stack's region.

        The AZs are named when the region is known, so the template states them.
        An environment-agnostic stack gets the first three of Fn::GetAZs.
        """
        if Token.is_unresolved(self.region):
            zones = Fn.get_azs()
            return [Fn.select(index, zones) for index in range(AZ_COUNT)]
        return [f"{self.region}{letter}" for letter in "abc"]

    def _create_vpc(self) -> ec2.Vpc:
        return ec2.Vpc(
            self,
            "PaymentVpc",
            vpc_name=f"payment-vpc-{self.environment_suffix}",
            ip_addresses=ec2.IpAddresses.cidr(VPC_CIDR),
            max_azs=AZ_COUNT,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            nat_gateways=AZ_COUNT,
            # The custom resource that empties the default security group
            # would add a Lambda function, and no workload here uses that group.
            restrict_default_security_group=False,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="Public",
                    subnet_type=ec2.SubnetType.PUBLIC,
                    cidr_mask=SUBNET_CIDR_MASK,
                    map_public_ip_on_launch=False,
                ),
                ec2.SubnetConfiguration(
                    name="Private",
                    subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS,
                    cidr_mask=SUBNET_CIDR_MASK,
                ),
            ],
        )

    def _create_flow_log_group(self) -> logs.LogGroup:
        return logs.LogGroup(
            self,
            "FlowLogGroup",
            log_group_name=f"/aws/vpc/flow-logs/payment-{self.environment_suffix}",
            retention=logs.RetentionDays.ONE_WEEK,
            removal_policy=RemovalPolicy.DESTROY,
        )

    def _enable_flow_logs(self, log_group: logs.LogGroup) -> ec2.FlowLog:
        """Capture accepted and rejected traffic of the whole VPC into `log_group`.

        CDK creates the IAM role the flow-logs service assumes to write there.
        """
        return ec2.FlowLog(
            self,
            "FlowLog",
            resource_type=ec2.FlowLogResourceType.from_vpc(self.vpc),
            flow_log_name=f"payment-vpc-flow-log-{self.environment_suffix}",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(log_group),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )

    def _create_private_network_acl(self) -> ec2.NetworkAcl:
        acl = ec2.NetworkAcl(
            self,
            "PrivateNetworkAcl",
            vpc=self.vpc,
            network_acl_name=f"payment-private-nacl-{self.environment_suffix}",
            subnet_selection=ec2.SubnetSelection(
                subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS
            ),
        )
        directions = (
            ("Inbound", ec2.TrafficDirection.INGRESS),
            ("Outbound", ec2.TrafficDirection.EGRESS),
        )
        for direction_name, direction in directions:
            for index, (name, from_port, to_port) in enumerate(PRIVATE_TCP_RULES):
                acl.add_entry(
                    f"Allow{name}{direction_name}",
                    cidr=ec2.AclCidr.any_ipv4(),
                    rule_number=FIRST_ALLOW_RULE_NUMBER + index * RULE_NUMBER_STEP,
                    traffic=ec2.AclTraffic.tcp_port_range(from_port, to_port),
                    direction=direction,
                    rule_action=ec2.Action.ALLOW,
                )
            acl.add_entry(
                f"DenyAll{direction_name}",
                cidr=ec2.AclCidr.any_ipv4(),
                rule_number=DENY_ALL_RULE_NUMBER,
                traffic=ec2.AclTraffic.all_traffic(),
                direction=direction,
                rule_action=ec2.Action.DENY,
            )
        return acl

    def _create_s3_endpoint(self) -> ec2.GatewayVpcEndpoint:
        """Route S3 traffic of the private tier through a Gateway endpoint, not NAT."""
        return self.vpc.add_gateway_endpoint(
            "S3Endpoint",
            service=ec2.GatewayVpcEndpointAwsService.S3,
            subnets=[
                ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
            ],
        )

    def _add_outputs(self) -> None:
        vpc = self.vpc
        self._output("VpcId", vpc.vpc_id, "ID of the payment VPC")
        self._output("VpcCidr", vpc.vpc_cidr_block, "CIDR block of the payment VPC")
        for tier, subnets in (
            ("Public", vpc.public_subnets),
            ("Private", vpc.private_subnets),
        ):
            for number, subnet in enumerate(subnets, start=1):
                self._output(
                    f"{tier}Subnet{number}Id",
                    subnet.subnet_id,
                    f"ID of {tier.lower()} subnet {number}",
                )
        self._output(
            "S3EndpointId", self.s3_endpoint.vpc_endpoint_id, "ID of the S3 endpoint"
        )
        self._output(
            "FlowLogGroupName",
            self.flow_log_group.log_group_name,
            "CloudWatch Logs group that receives the VPC flow logs",
        )

    def _output(self, output_id: str, value: str, description: str) -> CfnOutput:
        """Add an output exported as `<stack name>-<output id>` for other stacks."""
        return CfnOutput(
            self,
            output_id,
            value=value,
            description=description,
            export_name=f"{self.stack_name}-{output_id}",
        )
