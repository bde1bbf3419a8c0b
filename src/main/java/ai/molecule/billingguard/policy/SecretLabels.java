package ai.molecule.billingguard.policy;

import java.util.Optional;

/**
 * What classification needs to know of a Secret a pod references, besides its name: whether it is
 * labelled as a platform credential secret, and which workspace it is labelled for, if any.
 *
 * @param platformScope labelled with the platform scope label and value ({@code molecule.ai/secret-scope=global})
 * @param workspaceId   the value of its workspace-id label, empty when it has none
 */
public record SecretLabels(boolean platformScope, Optional<String> workspaceId) {
}
