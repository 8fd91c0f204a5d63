package dev.jvirtio.tune.rule;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RuleCatalogTest {

    private final RuleCatalog catalog = RuleCatalog.standard();

    @Test
    void every_rule_has_an_id_in_the_practice_style_and_an_explanation_with_its_history() {
        for (Rule rule : catalog.rules()) {
            RuleInfo info = rule.info();
            assertThat(info.id()).matches("(VIRTIO|CPU|MEM|NET|STO)-[A-Z0-9-]+");
            assertThat(info.id()).startsWith(info.area());
            assertThat(info.title()).isNotBlank();
            assertThat(info.explanation()).as(info.id()).startsWith(info.id()).containsIgnoringCase("today");
            if (rule.getClass().getPackageName().endsWith(".rules.host")) {
                assertThat(info.explanation()).as(info.id()).contains("The 2020 text");
            }
        }
    }

    @Test
    void selecting_by_only_and_skip_keeps_every_rule_of_an_id_and_ignores_case() throws UnknownRuleException {
        RuleCatalog only = catalog.select(List.of("net-tap", "MEM-SWAP"), List.of());
        RuleCatalog skipped = catalog.select(List.of(), List.of("NET-TAP"));

        assertThat(only.ids()).containsExactly("MEM-SWAP", "NET-TAP");
        assertThat(only.rules()).hasSize(catalog.byId("NET-TAP").size() + catalog.byId("MEM-SWAP").size());
        assertThat(skipped.ids()).doesNotContain("NET-TAP").hasSize(catalog.ids().size() - 1);
    }

    @Test
    void an_unknown_id_is_refused_naming_it_and_how_to_list_the_ids() {
        assertThatThrownBy(() -> catalog.select(List.of("MEM-SWAPP"), List.of()))
                .isInstanceOf(UnknownRuleException.class).hasMessageContaining("'MEM-SWAPP'")
                .hasMessageContaining("jvirtio explain --list");
        assertThatThrownBy(() -> catalog.select(List.of(), List.of("NOPE"))).isInstanceOf(UnknownRuleException.class);
        assertThatThrownBy(() -> catalog.explain("NOPE")).isInstanceOf(UnknownRuleException.class);
    }

    @Test
    void explaining_an_id_with_a_host_and_a_guest_rule_gives_both_texts() throws UnknownRuleException {
        List<Rule> rules = catalog.byId("NET-TAP");
        String text = catalog.explain("NET-TAP");

        assertThat(rules).hasSizeGreaterThan(1);
        for (Rule rule : rules) {
            assertThat(text).contains(rule.info().explanation().strip());
        }
    }

    @Test
    void the_standard_catalog_holds_every_rule_class_of_the_rules_packages() throws Exception {
        List<String> classes = new ArrayList<>();
        for (String pkg : List.of("dev.jvirtio.tune.rules.host", "dev.jvirtio.tune.rules.guest")) {
            for (String name : classNames(pkg)) {
                Class<?> type = Class.forName(pkg + "." + name);
                if (Rule.class.isAssignableFrom(type) && !type.isInterface()
                        && !Modifier.isAbstract(type.getModifiers())) {
                    classes.add(type.getName());
                }
            }
        }

        assertThat(classes).hasSizeGreaterThan(10);
        assertThat(catalog.rules().stream().map(rule -> rule.getClass().getName()).toList())
                .containsExactlyInAnyOrderElementsOf(classes);
    }

    private static List<String> classNames(String pkg) throws IOException, URISyntaxException {
        List<String> names = new ArrayList<>();
        var dirs = RuleCatalog.class.getClassLoader().getResources(pkg.replace('.', '/'));
        while (dirs.hasMoreElements()) {
            try (Stream<Path> files = Files.list(Path.of(dirs.nextElement().toURI()))) {
                files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class") && !n.contains("$"))
                        .map(n -> n.substring(0, n.length() - ".class".length())).forEach(names::add);
            }
        }
        return names;
    }
}
