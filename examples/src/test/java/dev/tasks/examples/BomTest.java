package dev.tasks.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The BOM has no parent (so importing it pins nothing but {@code dev.tasks} artifacts), so nothing keeps
 * its version and its list in step with the reactor but this test: every artifact it manages is a module
 * of the reactor at the reactor's version, and every module that is deployed (no {@code maven.deploy.skip})
 * is in it.
 */
class BomTest {

    @Test
    void the_bom_manages_every_published_module_at_the_project_version() throws Exception {
        Path root = projectRoot();
        Document parent = parse(root.resolve("pom.xml"));
        Document bom = parse(root.resolve("tasks-bom").resolve("pom.xml"));
        String version = child(parent.getDocumentElement(), "version");

        assertThat(child(bom.getDocumentElement(), "version")).as("tasks-bom version").isEqualTo(version);
        List<String> modules = texts(parent.getDocumentElement(), "module");
        List<String> managed = new ArrayList<>();
        NodeList deps = bom.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element dep = (Element) deps.item(i);
            assertThat(child(dep, "groupId")).isEqualTo("dev.tasks");
            assertThat(child(dep, "version")).isIn("${project.version}", version);
            managed.add(child(dep, "artifactId"));
        }
        assertThat(modules).containsAll(managed);
        for (String module : modules) {
            String pom = Files.readString(root.resolve(module).resolve("pom.xml"));
            boolean published = !module.equals("tasks-bom") && !pom.contains("<maven.deploy.skip>true</maven.deploy.skip>");
            assertThat(!published || managed.contains(module))
                    .as("%s is published (no maven.deploy.skip) but missing from tasks-bom", module).isTrue();
        }
        assertThat(managed).contains("tasks-api", "tasks-broker-redis", "tasks-broker-jdbc", "tasks-worker",
                "tasks-beat");
        assertThat(managed).doesNotContain("examples", "benchmarks", "tasks-reliability");
    }

    private static Path projectRoot() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("tasks-bom").resolve("pom.xml"))) {
                return p;
            }
        }
        throw new AssertionError("tasks-bom/pom.xml not found above " + here);
    }

    private static Document parse(Path pom) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(pom.toFile());
    }

    private static String child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().trim();
            }
        }
        throw new AssertionError("<" + name + "> missing in <" + parent.getTagName() + ">");
    }

    private static List<String> texts(Element root, String tag) {
        List<String> out = new ArrayList<>();
        NodeList nodes = root.getElementsByTagName(tag);
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add(nodes.item(i).getTextContent().trim());
        }
        return out;
    }
}
