using System.Text.Json;
using System.Text.RegularExpressions;
using Api.Http;
using Contracts.Queue;
using Workers.Placement;
using Workers.Queue;

namespace Api.Queue;

/// <summary>
/// The body of <c>POST /v1/{type}/</c>, checked field by field into a <see cref="SubmitJob"/>. Each rule answers
/// <c>missing_field</c> or <c>invalid_field</c> with a message that names the field. Instance keys match without
/// regard to case (<c>VCPU</c>, <c>vcpu</c>), as the original service's JSON decoding did.
/// </summary>
public static partial class JobSubmission
{
    const int MaxInstances = 1000;
    /// <summary><c>Data</c> is stored as the client's text would read: "café &lt;b&gt;" stays so, not <c>\u00E9</c>.</summary>
    static readonly JsonSerializerOptions DataOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    static readonly string[] TopLevel = ["request_id", "owner_id", "data", "callback"];
    static readonly string[] InstanceKeys = ["VCPU", "Memory", "Disk", "Resources", "Traits", "DeviceProfile"];

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    public static partial Regex TypePattern();

    [GeneratedRegex("^CUSTOM_[A-Z0-9_]+$")]
    private static partial Regex CustomName();

    public static IResult? CheckType(string type) => TypePattern().IsMatch(type)
        ? null
        : QueueHttp.Error(400, "invalid_field", $"type: '{type}' must match ^[a-z0-9][a-z0-9_-]{{0,63}}$");

    public static (SubmitJob? Job, IResult? Error) Parse(string type, JsonElement body, Caller caller, QueueOptions options)
    {
        foreach (var member in body.EnumerateObject())
            if (!TopLevel.Contains(member.Name))
                return Invalid(member.Name, "unknown field; the body has request_id, owner_id, data and callback");
        if (Text(body, "request_id", out var requestId) is { } badRequestId)
            return (null, badRequestId);
        // The request id is a path segment of every later call: a "/" splits it (an escaped one stays escaped in the
        // route), and clients drop "." and ".." segments, so such a job could never be read, changed or deleted.
        if (requestId!.Contains('/') || requestId is "." or "..")
            return Invalid("request_id", "must not contain / nor be . or .., which no URL path segment can address");
        if (Text(body, "owner_id", out var ownerId) is { } badOwner)
            return (null, badOwner);
        if (!body.TryGetProperty("data", out var data))
            return Missing("data");
        if (data.ValueKind != JsonValueKind.Object)
            return Invalid("data", "must be an object");
        if (!body.TryGetProperty("callback", out var callbackValue))
            return Missing("callback");
        if (callbackValue.ValueKind != JsonValueKind.String)
            return Invalid("callback", "must be a string");
        var callback = callbackValue.GetString()!;
        if (callback.Length > 2048)
            return Invalid("callback", "must be at most 2048 characters");
        if (!Uri.TryCreate(callback, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            return Invalid("callback", "must be an absolute http or https URL");
        if (!caller.IsAdmin && ownerId != caller.Project)
            return (null, QueueHttp.Error(403, "forbidden", $"owner_id '{ownerId}' is not your project ('{caller.Project}')"));

        string? project = null;
        if (data.TryGetProperty("project", out var projectValue) && projectValue.ValueKind != JsonValueKind.Null)
        {
            if (projectValue.ValueKind != JsonValueKind.String || projectValue.GetString()!.Length is < 1 or > 255)
                return Invalid("data.project", "must be a string of 1 to 255 characters");
            project = projectValue.GetString();
        }

        string? aggregateLabel = null;
        Guid? aggregate = null;
        if (data.TryGetProperty("host_aggregate", out var aggregateValue) && aggregateValue.ValueKind != JsonValueKind.Null)
        {
            if (aggregateValue.ValueKind != JsonValueKind.String)
                return Invalid("data.host_aggregate", "must be a string: an aggregate uuid or a configured name");
            aggregateLabel = aggregateValue.GetString()!;
            if (options.Aggregates.TryGetValue(aggregateLabel, out var named))
                aggregate = named;
            else if (Guid.TryParse(aggregateLabel, out var uuid))
                aggregate = uuid;
            else
                return Invalid("data.host_aggregate", $"'{aggregateLabel}' is neither an aggregate uuid nor a configured aggregate name");
        }

        if (!data.TryGetProperty("instances", out var instancesValue))
            return Missing("data.instances");
        if (instancesValue.ValueKind != JsonValueKind.Array || instancesValue.GetArrayLength() is 0 or > MaxInstances)
            return Invalid("data.instances", $"must be an array of 1 to {MaxInstances} instances");
        var instances = new List<InstanceRequest>();
        var index = 0;
        foreach (var instance in instancesValue.EnumerateArray())
        {
            var (parsed, error) = Instance(instance, $"data.instances[{index++}]");
            if (error is not null)
                return (null, error);
            instances.Add(parsed!);
        }

        return (new SubmitJob(type, requestId!, ownerId!, JsonSerializer.Serialize(data, DataOptions), callback, instances, project, aggregateLabel, aggregate), null);
    }

    static (InstanceRequest?, IResult?) Instance(JsonElement instance, string at)
    {
        if (instance.ValueKind != JsonValueKind.Object)
            return Invalid<InstanceRequest>(at, "must be an object with VCPU, Memory and Disk");
        var members = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        foreach (var member in instance.EnumerateObject())
        {
            if (!InstanceKeys.Contains(member.Name, StringComparer.OrdinalIgnoreCase))
                return Invalid<InstanceRequest>($"{at}.{member.Name}", "unknown field; an instance has VCPU, Memory, Disk, Resources, Traits and DeviceProfile");
            members[member.Name] = member.Value;
        }

        if (Amount(members, "VCPU", at, 1, out var vcpu) is { } badVcpu)
            return (null, badVcpu);
        if (Amount(members, "Memory", at, 1, out var memory) is { } badMemory)
            return (null, badMemory);
        if (Amount(members, "Disk", at, 0, out var disk) is { } badDisk)
            return (null, badDisk);

        var resources = new Dictionary<string, int>();
        if (members.TryGetValue("Resources", out var resourcesValue) && resourcesValue.ValueKind != JsonValueKind.Null)
        {
            if (resourcesValue.ValueKind != JsonValueKind.Object)
                return Invalid<InstanceRequest>($"{at}.Resources", "must be an object of resource class to amount");
            foreach (var resource in resourcesValue.EnumerateObject())
            {
                var field = $"{at}.Resources.{resource.Name}";
                if (!CustomName().IsMatch(resource.Name) && !StandardNames.ResourceClasses.Contains(resource.Name))
                    return Invalid<InstanceRequest>(field, "not a standard resource class nor CUSTOM_ followed by A-Z, 0-9 and _");
                if (resource.Name is "VCPU" or "MEMORY_MB" or "DISK_GB")
                    return Invalid<InstanceRequest>(field, "given by the instance's VCPU, Memory and Disk");
                if (resource.Value.ValueKind != JsonValueKind.Number || !resource.Value.TryGetInt32(out var amount) || amount < 0)
                    return Invalid<InstanceRequest>(field, $"must be an integer from 0 to {int.MaxValue}");
                resources[resource.Name] = amount;
            }
        }

        var traits = new List<string>();
        if (members.TryGetValue("Traits", out var traitsValue) && traitsValue.ValueKind != JsonValueKind.Null)
        {
            if (traitsValue.ValueKind != JsonValueKind.Array)
                return Invalid<InstanceRequest>($"{at}.Traits", "must be an array of trait names, each optionally prefixed by ! (forbidden)");
            foreach (var trait in traitsValue.EnumerateArray())
            {
                var name = trait.ValueKind == JsonValueKind.String ? trait.GetString()! : "";
                var bare = name.StartsWith('!') ? name[1..] : name;
                if (!CustomName().IsMatch(bare) && !StandardNames.Traits.Contains(bare))
                    return Invalid<InstanceRequest>($"{at}.Traits", $"'{(trait.ValueKind == JsonValueKind.String ? name : trait.GetRawText())}' is not a standard trait nor CUSTOM_ followed by A-Z, 0-9 and _");
                if (traits.Contains(name))
                    continue;
                var opposite = name.StartsWith('!') ? bare : "!" + bare;
                if (traits.Contains(opposite))
                    return Invalid<InstanceRequest>($"{at}.Traits", $"'{bare}' is both required and forbidden");
                traits.Add(name);
            }
        }

        string? deviceProfile = null;
        if (members.TryGetValue("DeviceProfile", out var profileValue) && profileValue.ValueKind != JsonValueKind.Null)
        {
            if (profileValue.ValueKind != JsonValueKind.String)
                return Invalid<InstanceRequest>($"{at}.DeviceProfile", "must be the name of a device profile");
            deviceProfile = profileValue.GetString()!;
            // No device profiles exist yet: any name is unknown.
            return Invalid<InstanceRequest>($"{at}.DeviceProfile", $"unknown device profile '{deviceProfile}'");
        }

        return (new InstanceRequest(vcpu, memory, disk, resources, traits, deviceProfile), null);
    }

    static IResult? Amount(Dictionary<string, JsonElement> members, string key, string at, int min, out int amount)
    {
        amount = 0;
        if (!members.TryGetValue(key, out var value))
            return QueueHttp.Error(400, "missing_field", $"{at}.{key}: required");
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out amount) || amount < min)
            return QueueHttp.Error(400, "invalid_field", $"{at}.{key}: must be an integer from {min} to {int.MaxValue}");
        return null;
    }

    static IResult? Text(JsonElement body, string key, out string? text)
    {
        text = null;
        if (!body.TryGetProperty(key, out var value))
            return QueueHttp.Error(400, "missing_field", $"{key}: required");
        if (value.ValueKind != JsonValueKind.String || value.GetString()!.Length is < 1 or > 255)
            return QueueHttp.Error(400, "invalid_field", $"{key}: must be a string of 1 to 255 characters");
        text = value.GetString();
        return null;
    }

    static (SubmitJob?, IResult?) Missing(string field) => (null, QueueHttp.Error(400, "missing_field", $"{field}: required"));

    static (T?, IResult?) Invalid<T>(string field, string why) where T : class => (null, QueueHttp.Error(400, "invalid_field", $"{field}: {why}"));

    static (SubmitJob?, IResult?) Invalid(string field, string why) => Invalid<SubmitJob>(field, why);
}
