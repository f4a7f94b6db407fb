using System.Collections.Immutable;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// The server's folders (namespaces <c>PassGrains.Server.&lt;Folder&gt;</c>) form no cycle, and Hosting is the composition
/// root nothing else uses (docs/architecture.md, "The server's folders"). A dependency is read two ways, and either counts:
/// from the compiled assembly, every type of ours a type names in its base type, interfaces, fields, signatures, locals,
/// attributes and method bodies (that sees references without a using directive, as <c>Telemetry.PassGrainsMetrics</c>);
/// and from the source, every <c>using PassGrains.Server.X;</c> and fully qualified <c>PassGrains.Server.X.</c>
/// (that sees constants, which the compiler copies into the IL instead of referencing).
/// </summary>
public sealed partial class ArchitectureTests(ITestOutputHelper output)
{
    private const string Root = "PassGrains.Server";
    private const string RootFolder = "(root)";

    [Fact]
    public void The_server_folders_depend_on_each_other_without_a_cycle()
    {
        var graph = FolderGraph.Read();
        var cycles = graph.Cycles();
        foreach (var ((from, to), reasons) in graph.Edges)
            output.WriteLine($"{from} → {to}: {string.Join("; ", reasons)}");
        Assert.True(cycles.Count == 0, $"folders of {Root} that depend on each other in a cycle:{Environment.NewLine}{string.Join(Environment.NewLine, cycles.Select(graph.Describe))}");
    }

    [Fact]
    public void Only_the_program_uses_Hosting_the_composition_root()
    {
        var graph = FolderGraph.Read();
        var users = graph.Edges.Where(e => e.Key.To == "Hosting" && e.Key.From != RootFolder).ToList();
        Assert.True(users.Count == 0, $"folders that use Hosting, which should only compose them:{Environment.NewLine}" +
            string.Join(Environment.NewLine, users.Select(e => $"{e.Key.From} → Hosting: {string.Join("; ", e.Value)}")));
    }

    [Fact]
    public void The_check_sees_a_cycle_when_there_is_one()
    {
        var graph = new FolderGraph();
        graph.Add("Rendering", "Hosting", "PassRenderer uses PublicUrl");
        graph.Add("Hosting", "Telemetry", "x");
        graph.Add("Telemetry", "Rendering", "PassGrainsMetrics uses PassRenderer");
        graph.Add("Http", "Http", "self");
        var cycle = Assert.Single(graph.Cycles());
        Assert.Equal(["Hosting", "Telemetry", "Rendering", "Hosting"], cycle);
        Assert.Contains("Rendering → Hosting (PassRenderer uses PublicUrl)", graph.Describe(cycle), StringComparison.Ordinal);
    }

    internal static string FolderOf(string? ns)
    {
        if (ns == Root)
            return RootFolder;
        if (ns is null || !ns.StartsWith(Root + ".", StringComparison.Ordinal))
            return "";
        var rest = ns[(Root.Length + 1)..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    /// <summary>Which folder uses which, each edge with a few examples of why.</summary>
    private sealed partial class FolderGraph
    {
        public SortedDictionary<(string From, string To), List<string>> Edges { get; } = new();

        public void Add(string from, string to, string why)
        {
            if (from == to || from.Length == 0 || to.Length == 0)
                return;
            if (!Edges.TryGetValue((from, to), out var reasons))
                Edges[(from, to)] = reasons = [];
            if (reasons.Count < 3 && !reasons.Contains(why))
                reasons.Add(why);
        }

        public static FolderGraph Read()
        {
            var graph = new FolderGraph();
            ReadAssembly(graph, typeof(PassGrainsApp).Assembly.Location);
            ReadSources(graph, Path.Combine(TestEnvironment.RepoRoot, "src", Root));
            return graph;
        }

        /// <summary>
        /// The shortest cycle through each folder that is in one, every cycle once, as a path that starts and ends at
        /// its alphabetically first folder.
        /// </summary>
        public List<List<string>> Cycles()
        {
            var next = Edges.Keys.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).Order(StringComparer.Ordinal).ToList());
            var cycles = new List<List<string>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var component in StronglyConnected(next).Where(c => c.Count > 1))
            {
                foreach (var start in component.Order(StringComparer.Ordinal))
                {
                    var cycle = ShortestCycle(next, component, start);
                    var first = cycle.Skip(1).Min(StringComparer.Ordinal)!;
                    var at = cycle.IndexOf(first, 1);
                    List<string> rotated = [.. cycle.Skip(at), .. cycle.Skip(1).Take(at)];
                    if (seen.Add(string.Join(">", rotated)))
                        cycles.Add(rotated);
                }
            }
            return cycles;
        }

        private static List<string> ShortestCycle(Dictionary<string, List<string>> next, HashSet<string> component, string start)
        {
            // Breadth first through the component only, until the way back to start is found.
            var cameFrom = new Dictionary<string, string>();
            var queue = new Queue<string>([start]);
            while (queue.Count > 0 && !cameFrom.ContainsKey(start))
            {
                var at = queue.Dequeue();
                foreach (var to in next.GetValueOrDefault(at) ?? [])
                {
                    if (component.Contains(to) && cameFrom.TryAdd(to, at))
                        queue.Enqueue(to);
                }
            }
            var path = new List<string> { start };
            for (var at = cameFrom[start]; at != start; at = cameFrom[at])
                path.Add(at);
            path.Add(start);
            path.Reverse();
            return path;
        }

        public string Describe(List<string> cycle)
        {
            var text = new StringBuilder(string.Join(" → ", cycle));
            for (var i = 0; i + 1 < cycle.Count; i++)
                text.Append(Environment.NewLine).Append($"  {cycle[i]} → {cycle[i + 1]} ({string.Join("; ", Edges[(cycle[i], cycle[i + 1])])})");
            return text.ToString();
        }

        private static List<HashSet<string>> StronglyConnected(Dictionary<string, List<string>> next)
        {
            // Tarjan's algorithm; a few dozen folders, so recursion is fine.
            var index = new Dictionary<string, int>();
            var low = new Dictionary<string, int>();
            var stack = new Stack<string>();
            var onStack = new HashSet<string>();
            var components = new List<HashSet<string>>();
            void Visit(string node)
            {
                index[node] = low[node] = index.Count;
                stack.Push(node);
                onStack.Add(node);
                foreach (var to in next.GetValueOrDefault(node) ?? [])
                {
                    if (index.TryGetValue(to, out var seen))
                    {
                        if (onStack.Contains(to))
                            low[node] = Math.Min(low[node], seen);
                    }
                    else
                    {
                        Visit(to);
                        low[node] = Math.Min(low[node], low[to]);
                    }
                }
                if (low[node] != index[node])
                    return;
                var component = new HashSet<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                } while (member != node);
                components.Add(component);
            }
            foreach (var node in next.Keys.Order(StringComparer.Ordinal))
            {
                if (!index.ContainsKey(node))
                    Visit(node);
            }
            return components;
        }

        private static void ReadSources(FolderGraph graph, string directory)
        {
            foreach (var file in Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(directory, file);
                var parts = relative.Split(Path.DirectorySeparatorChar);
                if (parts[0] is "bin" or "obj")
                    continue;
                var from = parts.Length == 1 ? RootFolder : parts[0];
                var lineNumber = 0;
                foreach (var line in File.ReadLines(file))
                {
                    lineNumber++;
                    var code = line.TrimStart();
                    if (code.StartsWith("namespace ", StringComparison.Ordinal) || code.StartsWith("//", StringComparison.Ordinal))
                        continue;
                    foreach (Match match in QualifiedName().Matches(code))
                        graph.Add(from, match.Groups[1].Value, $"{relative.Replace('\\', '/')}:{lineNumber} {code.Trim()}");
                }
            }
        }

        /// <summary><c>using PassGrains.Server.X;</c> (also static and aliased) and <c>PassGrains.Server.X.Y</c> in code, outside strings.</summary>
        [GeneratedRegex("""(?<![\w."])PassGrains\.Server\.([A-Z]\w*)\b(?!\.Tests)""")]
        private static partial Regex QualifiedName();

        private static void ReadAssembly(FolderGraph graph, string path)
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            var reader = pe.GetMetadataReader();
            foreach (var handle in reader.TypeDefinitions)
            {
                var owner = handle;
                while (reader.GetTypeDefinition(owner).GetDeclaringType() is { IsNil: false } outer)
                    owner = outer;
                var ownerType = reader.GetTypeDefinition(owner);
                var from = FolderOf(reader.GetString(ownerType.Namespace));
                if (from.Length == 0)
                    continue;
                var references = new TypeReferences(reader, pe);
                references.OfType(handle);
                foreach (var used in references.Found)
                {
                    var usedOwner = used;
                    while (reader.GetTypeDefinition(usedOwner).GetDeclaringType() is { IsNil: false } outer)
                        usedOwner = outer;
                    var usedType = reader.GetTypeDefinition(usedOwner);
                    graph.Add(from, FolderOf(reader.GetString(usedType.Namespace)), $"{reader.GetString(ownerType.Name)} uses {reader.GetString(usedType.Name)}");
                }
            }
        }
    }

    /// <summary>The types of this assembly one type definition refers to, anywhere in its metadata or IL.</summary>
    private sealed class TypeReferences(MetadataReader reader, PEReader pe) : ISignatureTypeProvider<TypeReferences.None, object?>
    {
        public readonly record struct None;

        private static readonly OpCode[] OneByte = new OpCode[0x100];
        private static readonly OpCode[] TwoByte = new OpCode[0x100];

        static TypeReferences()
        {
            foreach (var field in typeof(OpCodes).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
            {
                var code = (OpCode)field.GetValue(null)!;
                var value = (ushort)code.Value;
                if (code.Size == 1)
                    OneByte[value] = code;
                else
                    TwoByte[value & 0xFF] = code;
            }
        }

        public HashSet<TypeDefinitionHandle> Found { get; } = [];

        public void OfType(TypeDefinitionHandle handle)
        {
            var type = reader.GetTypeDefinition(handle);
            Entity(type.BaseType);
            foreach (var implementation in type.GetInterfaceImplementations())
                Entity(reader.GetInterfaceImplementation(implementation).Interface);
            GenericParameters(type.GetGenericParameters());
            Attributes(type.GetCustomAttributes());
            foreach (var fieldHandle in type.GetFields())
            {
                var field = reader.GetFieldDefinition(fieldHandle);
                field.DecodeSignature(this, null);
                Attributes(field.GetCustomAttributes());
            }
            foreach (var propertyHandle in type.GetProperties())
            {
                var property = reader.GetPropertyDefinition(propertyHandle);
                property.DecodeSignature(this, null);
                Attributes(property.GetCustomAttributes());
            }
            foreach (var eventHandle in type.GetEvents())
                Entity(reader.GetEventDefinition(eventHandle).Type);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = reader.GetMethodDefinition(methodHandle);
                method.DecodeSignature(this, null);
                GenericParameters(method.GetGenericParameters());
                Attributes(method.GetCustomAttributes());
                foreach (var parameter in method.GetParameters())
                    Attributes(reader.GetParameter(parameter).GetCustomAttributes());
                if (method.RelativeVirtualAddress != 0)
                    Body(pe.GetMethodBody(method.RelativeVirtualAddress));
            }
        }

        private void GenericParameters(GenericParameterHandleCollection parameters)
        {
            foreach (var parameter in parameters)
            {
                foreach (var constraint in reader.GetGenericParameter(parameter).GetConstraints())
                    Entity(reader.GetGenericParameterConstraint(constraint).Type);
            }
        }

        private void Attributes(CustomAttributeHandleCollection attributes)
        {
            foreach (var attribute in attributes)
                Entity(reader.GetCustomAttribute(attribute).Constructor);
        }

        private void Body(MethodBodyBlock body)
        {
            if (!body.LocalSignature.IsNil)
                reader.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(this, null);
            foreach (var region in body.ExceptionRegions)
                Entity(region.CatchType);
            var il = body.GetILReader();
            while (il.RemainingBytes > 0)
            {
                var first = il.ReadByte();
                var code = first == 0xFE ? TwoByte[il.ReadByte()] : OneByte[first];
                switch (code.OperandType)
                {
                    case OperandType.InlineNone:
                        break;
                    case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                        il.ReadByte();
                        break;
                    case OperandType.InlineVar:
                        il.ReadUInt16();
                        break;
                    case OperandType.InlineI or OperandType.InlineBrTarget or OperandType.InlineString or OperandType.ShortInlineR:
                        il.ReadInt32();
                        break;
                    case OperandType.InlineI8 or OperandType.InlineR:
                        il.ReadInt64();
                        break;
                    case OperandType.InlineSwitch:
                        var targets = il.ReadInt32();
                        for (var i = 0; i < targets; i++)
                            il.ReadInt32();
                        break;
                    case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType or OperandType.InlineSig:
                        Entity(MetadataTokens.EntityHandle(il.ReadInt32()));
                        break;
                    default:
                        throw new InvalidOperationException($"IL operand type {code.OperandType} of {code.Name} is not read here");
                }
            }
        }

        private void Entity(EntityHandle handle)
        {
            if (handle.IsNil)
                return;
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    Found.Add((TypeDefinitionHandle)handle);
                    break;
                case HandleKind.TypeSpecification:
                    reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null);
                    break;
                case HandleKind.MethodDefinition:
                    Found.Add(reader.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                    break;
                case HandleKind.FieldDefinition:
                    Found.Add(reader.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                    break;
                case HandleKind.MemberReference:
                    var member = reader.GetMemberReference((MemberReferenceHandle)handle);
                    Entity(member.Parent);
                    if (member.GetKind() == MemberReferenceKind.Method)
                        member.DecodeMethodSignature(this, null);
                    else
                        member.DecodeFieldSignature(this, null);
                    break;
                case HandleKind.MethodSpecification:
                    var specification = reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                    Entity(specification.Method);
                    specification.DecodeSignature(this, null);
                    break;
                case HandleKind.StandaloneSignature:
                    var signature = reader.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                    if (signature.GetKind() == StandaloneSignatureKind.Method)
                        signature.DecodeMethodSignature(this, null);
                    else
                        signature.DecodeLocalSignature(this, null);
                    break;
            }
        }

        public None GetTypeFromDefinition(MetadataReader metadata, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            Found.Add(handle);
            return default;
        }

        public None GetTypeFromSpecification(MetadataReader metadata, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            metadata.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public None GetTypeFromReference(MetadataReader metadata, TypeReferenceHandle handle, byte rawTypeKind) => default;
        public None GetPrimitiveType(PrimitiveTypeCode typeCode) => default;
        public None GetSZArrayType(None elementType) => default;
        public None GetArrayType(None elementType, ArrayShape shape) => default;
        public None GetByReferenceType(None elementType) => default;
        public None GetPointerType(None elementType) => default;
        public None GetPinnedType(None elementType) => default;
        public None GetGenericInstantiation(None genericType, ImmutableArray<None> typeArguments) => default;
        public None GetGenericMethodParameter(object? genericContext, int index) => default;
        public None GetGenericTypeParameter(object? genericContext, int index) => default;
        public None GetFunctionPointerType(MethodSignature<None> signature) => default;
        public None GetModifiedType(None modifier, None unmodifiedType, bool isRequired) => default;
    }
}
