package ai.molecule.billingguard.audit;

import tools.jackson.databind.JsonNode;

import java.util.List;

/**
 * What one audit run looks at.
 *
 * @param namespaces the guarded namespaces audited
 * @param pods       their pods (terminated ones are skipped by the audit)
 */
public record Inventory(List<String> namespaces, List<JsonNode> pods) {
    public Inventory {
        namespaces = List.copyOf(namespaces);
        pods = List.copyOf(pods);
    }
}
