package ai.molecule.billingguard.chart;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.NullValue;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A CEL environment shaped like Kubernetes' admission CEL (ValidatingAdmissionPolicy and webhook
 * matchConditions): the variables {@code object}, {@code oldObject}, {@code request}, {@code params},
 * {@code namespaceObject}, {@code variables}, with the optional syntax and the strings extension. Only the
 * subset Kubernetes and dev.cel share is declared: an expression that compiles here and uses nothing else
 * means the same in the API server.
 */
final class AdmissionCel {
    private static final Cel CEL = CelFactory.standardCelBuilder()
            .setOptions(CelOptions.current().enableOptionalSyntax(true).build())
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addCompilerLibraries(CelExtensions.optional(), CelExtensions.strings())
            .addRuntimeLibraries(CelExtensions.optional(), CelExtensions.strings())
            .addVar("object", SimpleType.DYN)
            .addVar("oldObject", SimpleType.DYN)
            .addVar("request", SimpleType.DYN)
            .addVar("params", SimpleType.DYN)
            .addVar("namespaceObject", SimpleType.DYN)
            .addVar("variables", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .build();
    private static final Map<String, CelAbstractSyntaxTree> COMPILED = new ConcurrentHashMap<>();

    private AdmissionCel() {
    }

    /** Compiles (once) and evaluates; a compile or evaluation error fails with the expression in the message. */
    static Object eval(String expression, Map<String, Object> activation) {
        CelAbstractSyntaxTree ast = COMPILED.computeIfAbsent(expression, AdmissionCel::compile);
        try {
            return CEL.createProgram(ast).eval(activation);
        } catch (CelEvaluationException e) {
            throw new AssertionError("CEL evaluation failed: " + e.getMessage() + "\n  in: " + expression, e);
        }
    }

    static CelAbstractSyntaxTree compile(String expression) {
        try {
            return CEL.compile(expression).getAst();
        } catch (CelValidationException e) {
            throw new AssertionError("CEL does not compile: " + e.getMessage() + "\n  in: " + expression, e);
        }
    }

    /** A JSON tree as CEL sees a Kubernetes object: maps, lists, strings, int64, double, bool, null. */
    static Object value(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return NullValue.NULL_VALUE;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.properties().forEach(e -> map.put(e.getKey(), value(e.getValue())));
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(v -> list.add(value(v)));
            return list;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.longValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        return node.asString();
    }
}
