"""CloudFormation template responses: parsing, choice, errors, normalization."""

from __future__ import annotations

import textwrap

import pytest
from cfn_markdown import project_from_markdown

from harness._project import Project, SourceFile
from harness.cfn import (
    Resolver,
    find_templates,
    is_template_response,
    parse_text,
    synthesize_template,
)
from harness.cfn._loader import TemplateSyntaxError
from harness.errors import ErrorClass


def _project(*files: tuple[str, str], markdown: str | None = None) -> Project:
    sources = {
        path: SourceFile(path, textwrap.dedent(text).lstrip("\n"))
        for path, text in files
    }
    return Project("response", "markdown", sources, markdown=markdown)


SHORT_FORMS = """
AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Env:
    Type: String
    Default: prod
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [a, a]]
  Either: !Or [!Condition NotProd, !Condition IsProd]
Mappings:
  Sizes:
    prod:
      Cidr: 10.0.0.0/16
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !FindInMap [Sizes, !Ref Env, Cidr]
      Tags:
        - Key: Name
          Value: !Sub '${Env}-vpc'
        - Key: Stack
          Value: !Sub ['${Name}-x', {Name: !Ref 'AWS::StackName'}]
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      AvailabilityZone: !Select [0, !GetAZs '']
      CidrBlock: !Select [1, !Cidr [!GetAtt Vpc.CidrBlock, 4, 8]]
      Ipv6CidrBlock: !Select [0, !Split [',', !ImportValue shared-ipv6]]
      Tags:
        - Key: Joined
          Value: !Join ['-', [a, !GetAtt [Vpc, DefaultNetworkAcl]]]
        - Key: Chosen
          Value: !If [IsProd, yes-prod, !Ref 'AWS::NoValue']
        - Key: Encoded
          Value: !Base64 text
  Macro:
    Type: AWS::CloudFormation::WaitConditionHandle
    Metadata:
      Included: !Transform {Name: AWS::Include, Parameters: {Location: s3://b/k}}
"""


def test_short_forms_become_long_form():
    data = parse_text(textwrap.dedent(SHORT_FORMS)).data
    vpc = data["Resources"]["Vpc"]["Properties"]
    subnet = data["Resources"]["Subnet"]["Properties"]

    assert data["AWSTemplateFormatVersion"] == "2010-09-09"
    assert data["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Env"}, "prod"]}
    assert data["Conditions"]["NotProd"] == {"Fn::Not": [{"Condition": "IsProd"}]}

    assert vpc["CidrBlock"] == {"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Cidr"]}
    assert vpc["Tags"][0]["Value"] == {"Fn::Sub": "${Env}-vpc"}
    assert vpc["Tags"][1]["Value"] == {
        "Fn::Sub": ["${Name}-x", {"Name": {"Ref": "AWS::StackName"}}]
    }

    assert subnet["AvailabilityZone"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    assert subnet["CidrBlock"] == {
        "Fn::Select": [1, {"Fn::Cidr": [{"Fn::GetAtt": ["Vpc", "CidrBlock"]}, 4, 8]}]
    }
    assert subnet["Ipv6CidrBlock"] == {
        "Fn::Select": [0, {"Fn::Split": [",", {"Fn::ImportValue": "shared-ipv6"}]}]
    }

    tags = [tag["Value"] for tag in subnet["Tags"]]
    assert tags[0] == {
        "Fn::Join": ["-", ["a", {"Fn::GetAtt": ["Vpc", "DefaultNetworkAcl"]}]]
    }
    assert tags[1] == {"Fn::If": ["IsProd", "yes-prod", {"Ref": "AWS::NoValue"}]}
    assert tags[2] == {"Fn::Base64": "text"}

    included = data["Resources"]["Macro"]["Metadata"]["Included"]
    assert included == {
        "Fn::Transform": {
            "Name": "AWS::Include",
            "Parameters": {"Location": "s3://b/k"},
        }
    }


def test_getatt_dotted_attribute_kept_whole():
    data = parse_text("a: !GetAtt Db.Endpoint.Address").data
    assert data["a"] == {"Fn::GetAtt": ["Db", "Endpoint.Address"]}


def test_unknown_tag_is_syntax_error():
    with pytest.raises(TemplateSyntaxError) as caught:
        parse_text("Resources:\n  A:\n    Type: !Reff X\n")
    assert caught.value.line == 3
    assert "!Reff" in str(caught.value)


def test_json_template_resource_lines():
    text = '{\n "Resources": {\n  "A": {"Type": "AWS::SNS::Topic"},\n\n  "B": {\n   "Type": "AWS::SNS::Topic"\n  }\n }\n}\n'
    parsed = parse_text(text)
    assert parsed.format == "json"
    assert parsed.resource_lines == {"A": 3, "B": 5}


def test_yaml_resource_lines_and_duplicates():
    text = (
        "Resources:\n  A:\n    Type: AWS::SNS::Topic\n  A:\n    Type: AWS::SQS::Queue\n"
    )
    parsed = parse_text(text)
    assert parsed.resource_lines == {"A": 4}
    assert parsed.duplicate_resources == ["A"]


FULL = """
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Topic:
    Type: AWS::SNS::Topic
  Queue:
    Type: AWS::SQS::Queue
"""
SNIPPET = """
Queue:
  Type: AWS::SQS::Queue
  Properties:
    DelaySeconds: 5
"""
PARTIAL = """
Resources:
  Topic:
    Type: AWS::SNS::Topic
"""
SECTIONS_ONLY = """
Outputs:
  TopicArn:
    Value: !Ref Topic
"""


def test_choice_prefers_complete_template():
    project = _project(
        ("snippet.yaml", SNIPPET),
        ("template.yaml", FULL),
        ("partial.yaml", PARTIAL),
        ("outputs.yaml", SECTIONS_ONLY),
        ("package.json", '{"name": "x"}'),
    )
    choice = find_templates(project)
    assert choice.chosen is not None
    assert choice.chosen.file == "template.yaml"
    assert choice.chosen.resource_types == {"AWS::SNS::Topic": 1, "AWS::SQS::Queue": 1}
    reasons = {candidate.file: candidate.reason for candidate in choice.rejected}
    assert set(reasons) == {"snippet.yaml", "partial.yaml", "outputs.yaml"}
    assert "without a Resources section" in reasons["snippet.yaml"]
    assert "incomplete template" in reasons["partial.yaml"]
    assert "without any resource" in reasons["outputs.yaml"]


def test_choice_between_two_complete_templates():
    bigger = FULL + "  Other:\n    Type: AWS::SNS::Topic\n"
    project = _project(("a.yaml", FULL), ("b.yaml", bigger))
    choice = find_templates(project)
    assert choice.chosen.file == "b.yaml"
    (rejected,) = choice.rejected
    assert rejected.file == "a.yaml"
    assert "2 resource(s)" in rejected.reason


def test_loose_template_text_warned():
    markdown = textwrap.dedent(
        """
        # Answer

        ```yaml
        Resources:
          Topic:
            Type: AWS::SNS::Topic
        ```

        Leftover text:
          Queue:
            Type: 'AWS::SQS::Queue'
          Other:
            Type: AWS::SNS::Topic
        """
    ).lstrip("\n")
    project = project_from_markdown(markdown)
    choice = find_templates(project)
    assert choice.chosen.markdown_line == 4
    (warning,) = choice.warnings
    assert warning.startswith("markdown lines 11-13 ")
    assert "2 template line(s)" in warning


def test_no_files_is_unparseable():
    result = synthesize_template(_project())
    assert result.error.error_class is ErrorClass.UNPARSEABLE_RESPONSE
    assert not result.ok


def test_no_template_is_no_entry_point():
    result = synthesize_template(_project(("notes.txt", "hello"), ("s.yaml", SNIPPET)))
    assert result.error.error_class is ErrorClass.NO_ENTRY_POINT
    assert "s.yaml" in result.error.message


def test_invalid_yaml_is_syntax_error():
    broken = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A:\n    Type: [AWS::SNS::Topic\n"
    source = SourceFile("template.yaml", broken, origin_lines=(11, 12, 13, 14))
    project = Project("r", "markdown", {"template.yaml": source})
    result = synthesize_template(project)
    assert result.error.error_class is ErrorClass.SYNTAX_ERROR
    assert result.error.file == "template.yaml"
    assert result.error.line == 4
    assert "template.yaml at line 4 (markdown line 14)" in result.error.message


def test_undefined_references_named():
    template = """
    AWSTemplateFormatVersion: '2010-09-09'
    Resources:
      Topic:
        Type: AWS::SNS::Topic
        DependsOn: Missing1
        Condition: NoSuchCondition
        Properties:
          TopicName: !Sub '${Missing2}-${AWS::Region}-${!Literal}'
          DisplayName: !GetAtt Missing3.Name
          KmsMasterKeyId: !Ref Missing4
          Tags:
            - Key: k
              Value: !FindInMap [NoMap, a, b]
            - Key: v
              Value: !Sub ['${Local}', {Local: x}]
    """
    result = synthesize_template(_project(("t.yaml", template)))
    error = result.error
    assert error.error_class is ErrorClass.INVALID_TEMPLATE
    for name in (
        "Missing1",
        "Missing2",
        "Missing3",
        "Missing4",
        "NoSuchCondition",
        "NoMap",
    ):
        assert name in error.message
    assert "Literal" not in error.message
    assert "Local" not in error.message
    assert "AWS::Region" not in error.message


def test_missing_resources_is_invalid_template():
    template = "AWSTemplateFormatVersion: '2010-09-09'\nDescription: nothing\n"
    result = synthesize_template(_project(("t.yaml", template)))
    assert result.error.error_class is ErrorClass.INVALID_TEMPLATE


CONDITIONAL = """
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Env:
    Type: String
    Default: dev
  Unset:
    Type: String
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Unknown: !Equals [!Ref Unset, x]
Resources:
  Always:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: !If [IsProd, production, !Ref 'AWS::NoValue']
      Tags:
        - !If [IsDev, {Key: stage, Value: dev}, !Ref 'AWS::NoValue']
        - !If [Unknown, {Key: a, Value: b}, {Key: c, Value: d}]
  ProdOnly:
    Type: AWS::SNS::Topic
    Condition: IsProd
  DevOnly:
    Type: AWS::SNS::Topic
    Condition: IsDev
Outputs:
  ProdTopic:
    Condition: IsProd
    Value: !Ref ProdOnly
"""


def test_conditions_with_defaults():
    result = synthesize_template(_project(("t.yaml", CONDITIONAL)))
    assert result.ok, result.error
    template = result.stacks[0].template
    assert set(template["Resources"]) == {"Always", "DevOnly"}
    assert "Outputs" not in template or not template["Outputs"]
    always = template["Resources"]["Always"]["Properties"]
    assert "DisplayName" not in always
    assert always["Tags"][0] == {"Key": "stage", "Value": "dev"}
    assert always["Tags"][1] == {
        "Fn::If": ["Unknown", {"Key": "a", "Value": "b"}, {"Key": "c", "Value": "d"}]
    }
    # IsProd stays because IsDev, which DevOnly uses, refers to it.
    assert set(template["Conditions"]) == {"IsProd", "IsDev", "Unknown"}
    assert any("ProdOnly dropped" in note for note in result.warnings)
    assert any("Unset has no Default" in note for note in result.warnings)


def test_conditions_with_override():
    result = synthesize_template(
        _project(("t.yaml", CONDITIONAL)), parameters={"Env": "prod"}
    )
    template = result.stacks[0].template
    assert set(template["Resources"]) == {"Always", "ProdOnly"}
    assert template["Resources"]["Always"]["Properties"]["DisplayName"] == "production"
    assert template["Parameters"]["Env"]["Default"] == "prod"
    assert set(template["Outputs"]) == {"ProdTopic"}
    assert set(template["Conditions"]) == {"IsProd", "Unknown"}


def test_unknown_override_is_noted():
    result = synthesize_template(
        _project(("t.yaml", CONDITIONAL)), parameters={"Nope": "1"}
    )
    assert result.ok
    assert any("Nope" in note and "ignored" in note for note in result.warnings)


class _Settings:
    region = "eu-west-1"
    account = "210987654321"


def test_settings_region_used():
    template = (
        FULL + "Conditions:\n  InEurope: !Equals [!Ref 'AWS::Region', eu-west-1]\n"
    )
    template += "  Never: !Equals [!Ref 'AWS::AccountId', '123456789012']\n"
    template = template.replace(
        "  Queue:\n    Type: AWS::SQS::Queue\n",
        "  Queue:\n    Type: AWS::SQS::Queue\n    Condition: Never\n  Eu:\n    Type: AWS::SNS::Topic\n    Condition: InEurope\n",
    )
    result = synthesize_template(_project(("t.yaml", template)), _Settings())
    assert set(result.stacks[0].template["Resources"]) == {"Topic", "Eu"}
    assert result.context["region"] == "eu-west-1"


def test_resolver_static_values():
    template = parse_text(textwrap.dedent(SHORT_FORMS)).data
    resolver = Resolver.for_template(template)
    vpc = template["Resources"]["Vpc"]["Properties"]
    subnet = template["Resources"]["Subnet"]["Properties"]
    assert resolver.resolve(vpc["CidrBlock"]) == "10.0.0.0/16"
    assert resolver.resolve(subnet["CidrBlock"]) == "10.0.1.0/24"
    assert resolver.resolve(vpc["Tags"][0]["Value"]) == "prod-vpc"
    static, reason = resolver.try_resolve(subnet["AvailabilityZone"])
    assert not static
    assert "Fn::GetAZs" in reason
    static, _ = resolver.try_resolve(vpc["Tags"][1]["Value"])
    assert not static


def test_sites_point_at_resource_lines():
    markdown = "# T\n\n```yaml\n" + textwrap.dedent(FULL).lstrip("\n") + "```\n"
    project = project_from_markdown(markdown)
    result = synthesize_template(project)
    stack = result.stacks[0]
    source = project.files[stack.template_file]
    lines = source.text.splitlines()
    markdown_lines = markdown.splitlines()
    for logical_id, site in stack.sites.items():
        assert site.file == stack.template_file
        assert lines[site.line - 1].strip() == f"{logical_id}:"
        markdown_line = source.markdown_line(site.line)
        assert markdown_lines[markdown_line - 1].strip() == f"{logical_id}:"
    assert set(stack.sites) == {"Topic", "Queue"}
    assert stack.construct_paths == {}


def test_cdk_project_is_not_template_response():
    cdk = _project(
        ("cdk.json", '{"app": "python3 app.py"}'),
        ("app.py", "import aws_cdk as cdk\n"),
        ("template.yaml", FULL),
    )
    assert not is_template_response(cdk)
    assert is_template_response(_project(("template.yaml", FULL)))
    assert is_template_response(_project(("t.yaml", "AWSTemplateFormatVersion: [\n")))
    assert not is_template_response(_project(("notes.md", "hello")))


def test_yaml_alias_rejected():
    text = "Resources:\n  A: &shared\n    Type: AWS::SNS::Topic\n  B: *shared\n"
    result = synthesize_template(_project(("t.yaml", text)))
    assert result.error.error_class is ErrorClass.SYNTAX_ERROR
    assert result.error.line == 4
    assert "*shared" in result.error.message


@pytest.mark.parametrize(
    "text",
    [
        "AWSTemplateFormatVersion: '2010-09-09'\nResources: [1, 2]\n",
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A: 3\n",
        (
            "AWSTemplateFormatVersion: '2010-09-09'\nParameters: [x]\nConditions: 4\n"
            "Outputs: [y]\nResources:\n  A:\n    Type: AWS::SNS::Topic\n    Condition: [z]\n"
        ),
        (
            "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A:\n    Type: AWS::SNS::Topic\n"
            "    Properties: !If [C]\nConditions:\n  C: !Equals [1]\n"
        ),
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        + "x: "
        + "[" * 5000
        + "]" * 5000
        + "\n",
    ],
)
def test_odd_shapes_return_errors_not_exceptions(text):
    result = synthesize_template(_project(("t.yaml", text)))
    assert result.language == "cloudformation"
    assert result.ok or result.error is not None


SAM = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(event, context): return None"
Outputs:
  RoleArn:
    Value: !GetAtt HandlerRole.Arn
"""


def test_transform_skips_reference_check():
    result = synthesize_template(_project(("t.yaml", SAM)))
    assert result.ok, result.error
    assert any("AWS::Serverless-2016-10-31" in warning for warning in result.warnings)
    assert result.stacks[0].template["Resources"]["Handler"]["Type"] == (
        "AWS::Serverless::Function"
    )


def test_json_template_in_markdown():
    markdown = (
        "# Answer\n\n```json\n{\n"
        '  "AWSTemplateFormatVersion": "2010-09-09",\n'
        '  "Resources": {\n'
        '    "Topic": {"Type": "AWS::SNS::Topic"},\n'
        '    "Queue": {\n      "Type": "AWS::SQS::Queue"\n    }\n'
        "  }\n}\n```\n"
    )
    project = project_from_markdown(markdown)
    result = synthesize_template(project)
    assert result.ok, result.error
    stack = result.stacks[0]
    source = project.files[stack.template_file]
    markdown_lines = markdown.splitlines()
    for logical_id, site in stack.sites.items():
        markdown_line = source.markdown_line(site.line)
        assert f'"{logical_id}"' in markdown_lines[markdown_line - 1]
    assert set(stack.sites) == {"Topic", "Queue"}


def test_deep_nesting_is_invalid_template():
    depth = 900
    value = "[" * depth + "1" + "]" * depth
    text = '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"A": {"Type": '
    text += '"AWS::SNS::Topic", "Properties": {"Tags": ' + value + "}}}}"
    result = synthesize_template(_project(("t.json", text)))
    assert result.error is not None
    assert result.error.error_class in (
        ErrorClass.INVALID_TEMPLATE,
        ErrorClass.SYNTAX_ERROR,
    )


def test_broken_whole_template_beats_snippet():
    broken = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A:\n    Type: [AWS::SNS::Topic\n"
    project = _project(("full.yaml", broken), ("fix.yaml", PARTIAL))
    result = synthesize_template(project)
    assert result.error.error_class is ErrorClass.SYNTAX_ERROR
    assert result.error.file == "full.yaml"
    rejected = result.manifest["cloudformation"]["rejected"]
    reasons = {entry["file"]: entry["reason"] for entry in rejected}
    assert "does not parse" in reasons["fix.yaml"]


def test_valid_whole_template_beats_broken_snippet():
    broken_snippet = "Queue:\n  Type: [AWS::SQS::Queue\n"
    result = synthesize_template(
        _project(("full.yaml", FULL), ("fix.yaml", broken_snippet))
    )
    assert result.ok, result.error
    assert result.entry == "full.yaml"
