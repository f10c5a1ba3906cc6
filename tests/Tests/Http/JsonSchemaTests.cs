using System.Text.Json;
using Api.Http;

namespace Tests.Http;

/// <summary>
/// Our validator reports what Python's jsonschema 4.10.3 (the one Placement 8.0 runs on Debian 12) reports: the
/// expected messages below were produced by <c>jsonschema.validate</c> with Placement's uuid format checker.
/// </summary>
public sealed class JsonSchemaTests
{
    static readonly JsonSchema Provider = JsonSchema.Parse("""
        {"type": "object",
         "properties": {"name": {"type": "string", "maxLength": 200}, "uuid": {"type": "string", "format": "uuid"},
                        "parent_provider_uuid": {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "null"}]}},
         "required": ["name"], "additionalProperties": false}
        """);

    static readonly JsonSchema Mixed = JsonSchema.Parse("""
        {"type": "object",
         "properties": {"total": {"type": "integer", "maximum": 2147483647, "minimum": 1},
                        "ratio": {"type": "number", "minimum": 0},
                        "e": {"enum": ["a", "b"]},
                        "p": {"type": "string", "pattern": "^[A-Z]+$"},
                        "l": {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": true}},
         "patternProperties": {"^x_": {"type": "integer"}},
         "additionalProperties": false}
        """);

    [Theory]
    [InlineData("""{"name": "a", "parent_provider_uuid": "abc"}""", "'abc' is not a 'uuid'")]
    [InlineData("""{"name": "a", "parent_provider_uuid": 5}""", "5 is not valid under any of the given schemas")]
    [InlineData("""{"name": 1.5}""", "1.5 is not of type 'string'")]
    [InlineData("""{"name": "x", "a": 1, "b": 2}""", "Additional properties are not allowed ('a', 'b' were unexpected)")]
    [InlineData("""{}""", "'name' is a required property")]
    [InlineData("""{"name": null}""", "None is not of type 'string'")]
    [InlineData("""{"name": "it's"}""", null)]
    [InlineData("""{"name": true, "uuid": 3}""", "True is not of type 'string'")]
    [InlineData("""{"name": "a", "uuid": "{11111111-1111-4111-8111-111111111111}"}""", null)]
    [InlineData("""7""", "7 is not of type 'object'")]
    public void Reports_the_error_Python_jsonschema_reports_for_a_provider(string instance, string? expected) =>
        Assert.Equal(expected, Provider.Validate(JsonDocument.Parse(instance).RootElement));

    [Theory]
    [InlineData("""{"total": 0}""", "0 is less than the minimum of 1")]
    [InlineData("""{"total": 1.0}""", null)]
    [InlineData("""{"total": 1.5}""", "1.5 is not of type 'integer'")]
    [InlineData("""{"total": 2147483648}""", "2147483648 is greater than the maximum of 2147483647")]
    [InlineData("""{"ratio": -0.5}""", "-0.5 is less than the minimum of 0")]
    [InlineData("""{"e": "c"}""", "'c' is not one of ['a', 'b']")]
    [InlineData("""{"p": "abc"}""", "'abc' does not match '^[A-Z]+$'")]
    [InlineData("""{"l": []}""", "[] is too short")]
    [InlineData("""{"l": ["a", "a"]}""", "['a', 'a'] has non-unique elements")]
    [InlineData("""{"l": [1]}""", "1 is not of type 'string'")]
    [InlineData("""{"x_1": "s"}""", "'s' is not of type 'integer'")]
    [InlineData("""{"zz": 1}""", "'zz' does not match any of the regexes: '^x_'")]
    [InlineData("""{"total": "1"}""", "'1' is not of type 'integer'")]
    public void Reports_the_error_Python_jsonschema_reports_for_other_keywords(string instance, string? expected) =>
        Assert.Equal(expected, Mixed.Validate(JsonDocument.Parse(instance).RootElement));
}

/// <summary>Floats as Python writes them (expected values printed by Python 3.11's repr()).</summary>
public sealed class PythonFloatTests
{
    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(16.0, "16.0")]
    [InlineData(0.1, "0.1")]
    [InlineData(1.5, "1.5")]
    [InlineData(-2.25, "-2.25")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1.5e20, "1.5e+20")]
    [InlineData(3.40282e+38, "3.40282e+38")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(123456.789, "123456.789")]
    [InlineData(0.0, "0.0")]
    public void Writes_floats_as_Python_repr_does(double value, string expected) => Assert.Equal(expected, PythonRepr.Float(value));
}
