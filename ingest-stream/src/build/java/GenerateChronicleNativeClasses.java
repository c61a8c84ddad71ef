import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run by the build (exec-maven-plugin, generate-sources) as a single-file program: writes the
 * source of the class Chronicle Map would otherwise generate and compile with javac when a process
 * opens its first map (1.3-1.9 s of CPU at every start, measured with JFR), as chronicle-values on
 * the class path generates it. Chronicle Map looks the class up before it generates one, so the
 * compiled class in this module's jar is used instead. ChronicleValuesPrecompiledTest checks that
 * it is.
 *
 * <p>Arguments: the folder of generated sources.
 */
public final class GenerateChronicleNativeClasses {

    private static final String STATE = "net.openhft.chronicle.hash.VanillaGlobalMutableState";

    private GenerateChronicleNativeClasses() {
    }

    public static void main(final String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Class<?> modelType = Class.forName("net.openhft.chronicle.values.ValueModel");
        Object model = modelType.getMethod("acquire", Class.class).invoke(null, Class.forName(STATE));
        Method generate = Class.forName("net.openhft.chronicle.values.Generators")
                .getDeclaredMethod("generateNativeClass", modelType, String.class);
        generate.setAccessible(true);
        String simpleName = STATE.substring(STATE.lastIndexOf('.') + 1) + "$$Native";
        String source = (String) generate.invoke(null, model, simpleName);
        Path file = out.resolve(STATE.substring(0, STATE.lastIndexOf('.')).replace('.', '/')).resolve(simpleName + ".java");
        Files.createDirectories(file.getParent());
        String header = "// Generated at build time by ingest-stream/src/build/java/GenerateChronicleNativeClasses.java\n"
                + "// from chronicle-values; not written by hand.\n";
        String content = header + source.strip() + "\n";
        if (!Files.exists(file) || !Files.readString(file).equals(content)) {
            Files.writeString(file, content);
        }
    }
}
