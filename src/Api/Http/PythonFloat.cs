using System.Text.Json;
using System.Text.Json.Serialization;

namespace Api.Http;

/// <summary>A number that Placement's clients see as a Python float: <c>1.0</c>, never <c>1</c>.</summary>
[JsonConverter(typeof(Converter))]
public readonly record struct PythonFloat(double Value)
{
    public sealed class Converter : JsonConverter<PythonFloat>
    {
        public override PythonFloat Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(reader.GetDouble());

        public override void Write(Utf8JsonWriter writer, PythonFloat value, JsonSerializerOptions options) =>
            writer.WriteRawValue(PythonRepr.Float(value.Value), skipInputValidation: true);
    }
}
