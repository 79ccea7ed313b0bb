"""Item 12: an output gives the S3 endpoint ID."""

from __future__ import annotations

from harness.findings import Finding
from harness.tasks.pci_payment_vpc._checks import result, s3_endpoints, vpc_evidence
from harness.taxonomy import RuleContext


class S3EndpointOutput:
    item_id = "12"
    slug = "s3-endpoint-output"

    def check(self, ctx: RuleContext) -> Finding:
        model = ctx.model
        expected = "an output giving the S3 endpoint ID"
        endpoints = s3_endpoints(model)
        if not endpoints:
            evidence = vpc_evidence(model, "no S3 endpoint to output")
            return result(
                self.item_id,
                False,
                expected,
                "no S3 endpoint, so no output for it",
                evidence,
                ("4",),
            )
        for endpoint in endpoints:
            for output in model.outputs:
                if output.names(endpoint.key):
                    actual = f"output {output.name} gives {endpoint.logical_id}"
                    return result(self.item_id, True, expected, actual)
        evidence = [model.evidence(e.key, "ID not in any output") for e in endpoints]
        return result(
            self.item_id,
            False,
            expected,
            "no output gives the S3 endpoint ID",
            evidence,
        )


RULE = S3EndpointOutput()
