package ai.molecule.billingguard.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TrustedCreatorsTest {
    final TrustedCreators trust = new TrustedCreators(List.of("ci-deployer", "group:provisioners",
            "system:serviceaccount:molecule-system:*", "system:serviceaccount:tools:builder"));

    @ParameterizedTest(name = "{0} in [{1}] -> {2}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "ci-deployer                                          | -                  | true",
            "ci-deployer-2                                        | -                  | false",
            "bob                                                  | provisioners       | true",
            "bob                                                  | provisioners-x     | false",
            "system:serviceaccount:molecule-system:provisioner    | -                  | true",
            "system:serviceaccount:molecule-system:a:b            | -                  | false",
            "system:serviceaccount:molecule-system:               | -                  | false",
            "system:serviceaccount:molecule-system-2:x            | -                  | false",
            "system:serviceaccount:tools:builder                  | -                  | true",
            "system:serviceaccount:tools:other                    | -                  | false",
            "system:serviceaccount:kube-system:replicaset-controller | -                | true",
            "system:serviceaccount:kube-system:job-controller     | -                  | true",
            "system:kube-controller-manager                       | -                  | true",
            "system:serviceaccount:kube-system:default            | -                  | false",
            "group:provisioners                                   | -                  | false",
            "''                                                   | -                  | false",
    })
    void creators_are_matched_by_name_group_or_service_account_pattern(String user, String group, boolean trusted) {
        Creator creator = new Creator(user, group == null ? List.of("system:authenticated") : List.of(group));
        assertThat(trust.trusts(creator)).isEqualTo(trusted);
    }

    @Test
    void an_empty_list_trusts_everyone() {
        TrustedCreators off = new TrustedCreators(List.of());
        assertThat(off.off()).isTrue();
        assertThat(off.trusts(Creator.UNKNOWN)).isTrue();
        assertThat(trust.trusts(Creator.UNKNOWN)).isFalse();
    }
}
