package ai.molecule.billingguard.policy;

/**
 * One platform item of a pod.
 *
 * @param pointer        JSON pointer of the item in the reviewed object
 * @param description    what a person reads, e.g. {@code env CLAUDE_CODE_OAUTH_TOKEN in container "agent" (...)};
 *                       tenant-controlled names in it are escaped and cut ({@link Text})
 * @param strippedName   the name listed in {@code billing.molecule.ai/stripped}: the variable name,
 *                       {@code envFrom:<secret>} or {@code volume:<volume>}
 * @param platformSecret the item references a platform credential secret (what the bypass guard looks for)
 */
public record Finding(String pointer, String description, String strippedName, boolean platformSecret) {
}
