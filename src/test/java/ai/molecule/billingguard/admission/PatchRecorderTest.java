package ai.molecule.billingguard.admission;

import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.Pointer;
import io.fabric8.zjsonpatch.JsonPatch;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PatchRecorderTest {
    @Test
    void pointers_escape_tilde_before_slash() {
        assertThat(Pointer.child("/metadata/annotations", "a~b/c")).isEqualTo("/metadata/annotations/a~0b~1c");
        assertThat(Pointer.child("/spec/containers", 3)).isEqualTo("/spec/containers/3");
    }

    @Test
    void recorded_operations_apply_with_zjsonpatch_to_the_same_result() {
        JsonNode doc = Json.documents("{metadata: {annotations: {'a~b/c': x}}, spec: {env: [a, b, c, d]}}").get(0);
        PatchRecorder patch = new PatchRecorder(doc);
        patch.remove("/spec/env/3");
        patch.remove("/spec/env/1");
        patch.replace(Pointer.child("/metadata/annotations", "a~b/c"), Json.JSON.getNodeFactory().stringNode("y"));
        patch.add("/spec/env/2", Json.JSON.getNodeFactory().stringNode("e"));
        assertThat(patch.result().toString())
                .isEqualTo("{\"metadata\":{\"annotations\":{\"a~b/c\":\"y\"}},\"spec\":{\"env\":[\"a\",\"c\",\"e\"]}}");
        assertThat(JsonPatch.apply(patch.operations(), doc)).isEqualTo(patch.result());
        assertThat(doc.toString()).as("the original is not touched").contains("[\"a\",\"b\",\"c\",\"d\"]");
    }

    @Test
    void only_the_containers_on_the_way_to_a_change_are_copied_and_the_original_stays_as_it_was() {
        JsonNode doc = Json.documents("{metadata: {labels: {a: b}, annotations: {x: y}}, spec: {containers: ["
                + "{name: one, env: [{name: A}, {name: B}], ports: [{containerPort: 1}]}, {name: two, env: [{name: C}]}],"
                + " volumes: [{name: v, projected: {sources: [s0, s1]}}, {name: w}]}}").get(0);
        String before = doc.toString();
        PatchRecorder patch = new PatchRecorder(doc);
        patch.removeAll(List.of("/spec/volumes/1", "/spec/volumes/0/projected/sources/0", "/spec/containers/0/env/1"));
        patch.add("/spec/containers/0/env/1", Json.JSON.getNodeFactory().objectNode().put("name", "D"));
        patch.add("/metadata/annotations/z", Json.JSON.getNodeFactory().stringNode("w"));
        patch.replace("/spec/containers/0/env/1/name", Json.JSON.getNodeFactory().stringNode("E"));

        assertThat(doc.toString()).as("the original").isEqualTo(before);
        JsonNode result = patch.result();
        assertThat(JsonPatch.apply(patch.operations(), doc)).isEqualTo(result);
        assertThat(result.at("/spec/containers/0/env").toString()).isEqualTo("[{\"name\":\"A\"},{\"name\":\"E\"}]");
        assertThat(result.at("/spec/volumes").toString()).isEqualTo("[{\"name\":\"v\",\"projected\":{\"sources\":[\"s1\"]}}]");
        // untouched subtrees are the original's own nodes, changed ones are copies
        assertThat(result.at("/metadata/labels")).isSameAs(doc.at("/metadata/labels"));
        assertThat(result.at("/spec/containers/1")).isSameAs(doc.at("/spec/containers/1"));
        assertThat(result.at("/spec/containers/0/ports")).isSameAs(doc.at("/spec/containers/0/ports"));
        assertThat(result.at("/spec/containers/0/env/0")).isSameAs(doc.at("/spec/containers/0/env/0"));
        assertThat(result.at("/spec/containers/0")).isNotSameAs(doc.at("/spec/containers/0"));
        assertThat(result).isNotSameAs(doc);
        // the recorded values are not the document's nodes: a later change does not rewrite an earlier operation
        assertThat(patch.operations().get(3).path("value").toString()).isEqualTo("{\"name\":\"D\"}");
    }

    @Test
    void removals_sort_later_indices_first_and_compare_numbers_as_numbers() {
        List<String> paths = new ArrayList<>(List.of("/spec/containers/0/env/2", "/spec/volumes/1",
                "/spec/containers/0/env/10", "/spec/containers/1/env/0", "/spec/volumes/1/projected/sources/0"));
        paths.sort(PatchBuilder.DESCENDING);
        assertThat(paths).containsExactly("/spec/volumes/1/projected/sources/0", "/spec/volumes/1",
                "/spec/containers/1/env/0", "/spec/containers/0/env/10", "/spec/containers/0/env/2");
    }

    @Test
    void removing_many_entries_of_one_array_at_once_gives_what_one_by_one_gives() {
        StringBuilder env = new StringBuilder("{spec: {env: [");
        for (int i = 0; i < 1000; i++) {
            env.append(i == 0 ? "" : ", ").append(i);
        }
        JsonNode doc = Json.documents(env.append("], volumes: [v0, v1]}}").toString()).get(0);
        List<String> removals = new ArrayList<>();
        for (int i = 999; i >= 0; i -= 3) {
            removals.add("/spec/env/" + i);
        }
        removals.add("/spec/volumes/0");
        PatchRecorder batch = new PatchRecorder(doc);
        batch.removeAll(removals);
        PatchRecorder single = new PatchRecorder(doc);
        removals.forEach(single::remove);

        assertThat(batch.result()).isEqualTo(single.result());
        assertThat(batch.operations()).isEqualTo(single.operations());
        assertThat(batch.result().at("/spec/env").size()).isEqualTo(666);
        assertThat(JsonPatch.apply(batch.operations(), doc)).isEqualTo(batch.result());
    }

    @Test
    void a_nested_array_is_rebuilt_where_it_was_even_when_its_parent_loses_entries() {
        JsonNode doc = Json.documents("{spec: {volumes: [{name: a}, {name: b, projected: {sources: [x, y]}}, {name: c}]}}")
                .get(0);
        List<String> removals = List.of("/spec/volumes/2", "/spec/volumes/1/projected/sources/0", "/spec/volumes/0");
        PatchRecorder batch = new PatchRecorder(doc);
        batch.removeAll(removals);
        PatchRecorder single = new PatchRecorder(doc);
        removals.forEach(single::remove);

        assertThat(batch.result()).isEqualTo(single.result());
        assertThat(batch.result().toString()).isEqualTo("{\"spec\":{\"volumes\":[{\"name\":\"b\",\"projected\":{\"sources\":[\"y\"]}}]}}");
        assertThat(JsonPatch.apply(batch.operations(), doc)).isEqualTo(batch.result());
    }
}
