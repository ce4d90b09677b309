package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.data.CsvReader;
import io.flows4j.data.CsvWriter;
import io.flows4j.data.Dataset;
import io.flows4j.flows.Flow;
import io.flows4j.flows.Presets;
import io.flows4j.model.FittedModel;
import io.flows4j.training.TrainingConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keeps the README's Java example true: the same code, compiled here, runs on small data. */
class ReadmeExampleTest {
  private static final Path README = Path.of("..", "README.md");
  private static final Path THIS =
      Path.of("src", "test", "java", "io", "flows4j", "cli", "ReadmeExampleTest.java");

  // README:begin
  static void fitAndUse(Path dir) throws IOException {
    Dataset train = CsvReader.create().read(dir.resolve("train.csv"));
    Flow flow = Presets.flow("realnvp", train.columns(), 8, new int[] {64, 64}, 0);
    TrainingConfig config = TrainingConfig.defaults().withSteps(500);
    FittedModel model = FittedModel.fit(flow, train, null, true, config, null);
    model.save(dir.resolve("model.flows4j"));

    FittedModel loaded = FittedModel.load(dir.resolve("model.flows4j"));
    Dataset test = CsvReader.create().read(dir.resolve("test.csv"));
    System.out.println("test NLL: " + loaded.evaluate(test).meanNll() + " nats");
    float[] logProb = loaded.logProb(test); // log p(x) of every row, in nats
    System.out.println("log p of the first test row: " + logProb[0]);
    FittedModel.Samples samples = loaded.sampleWithLogProb(1000, 42, 1.0);
    CsvWriter.write(dir.resolve("samples.csv"), samples.values());
  }

  // README:end

  @Test
  void theReadmeShowsThisCode() throws IOException {
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(m.find()).as("a java block in README.md").isTrue();
    String source = Files.readString(THIS, StandardCharsets.UTF_8);
    String between =
        source.substring(
            source.indexOf("// README:begin\n") + "// README:begin\n".length(),
            source.indexOf("  // README:end"));
    String dedented =
        between
            .strip()
            .lines()
            .map(l -> l.startsWith("  ") ? l.substring(2) : l)
            .collect(Collectors.joining("\n"));
    assertThat(m.group(1).strip()).isEqualTo(dedented);
  }

  @Test
  void theReadmeCodeRunsOnMoonsSeeds1And2(@TempDir Path dir) throws IOException {
    CsvWriter.write(dir.resolve("train.csv"), ToyData.MOONS.generate(2000, 1));
    CsvWriter.write(dir.resolve("test.csv"), ToyData.MOONS.generate(500, 2));
    PrintStream saved = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      fitAndUse(dir);
    } finally {
      System.setOut(saved);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .startsWith("test NLL: ")
        .contains("log p of the first test row: ");
    String printed = captured.toString(StandardCharsets.UTF_8);
    double nll =
        Double.parseDouble(printed.substring("test NLL: ".length(), printed.indexOf(" nats")));
    // A Gaussian scores about 3.3 nats on moons; 500 steps of RealNVP do clearly better.
    assertThat(nll).isLessThan(3.0);
    List<String> lines = Files.readAllLines(dir.resolve("samples.csv"));
    assertThat(lines).hasSize(1001);
    assertThat(lines.get(0)).isEqualTo("x0,x1");
  }
}
