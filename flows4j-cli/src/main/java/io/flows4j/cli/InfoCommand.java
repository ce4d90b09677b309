package io.flows4j.cli;

import io.flows4j.bijectors.Standardization;
import io.flows4j.io.Json;
import io.flows4j.model.FittedModel;
import io.flows4j.training.TrainingResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j info}: what a model file holds. */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Describes a model file: architecture, parameter count, columns, data transform and how it"
          + " was trained. --json prints the complete description stored in the file."
    })
final class InfoCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Model file.")
  Path model;

  @Option(names = "--json", description = "Print the model's stored description as JSON.")
  boolean json;

  @Override
  public Integer call() {
    FittedModel m = CommandIo.loadModel(model);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(m.describe().write());
      out.flush();
      return 0;
    }
    Json.Obj flow = m.describe().getObject("flow");
    out.printf("model:        %s%n", model);
    String preset = m.metadata().get("flows4j.preset");
    if (preset != null) {
      out.printf(
          "preset:       %s, %s layers, hidden %s%n",
          preset,
          m.metadata().getOrDefault("flows4j.layers", "?"),
          m.metadata().getOrDefault("flows4j.hidden", "?"));
    }
    out.printf("architecture: %s%n", layers(flow.getObject("transform")));
    out.printf("base:         %s%n", flow.getObject("base").getString("type"));
    out.printf(Locale.ROOT, "parameters:   %,d%n", m.parameterCount());
    out.printf("columns:      %s (%d)%n", String.join(", ", m.columnNames()), m.dimension());
    m.contextEncoding().ifPresent(c -> out.printf("context:      %s%n", c.describe()));
    out.printf(
        "transform:    %s%n", m.standardization().map(InfoCommand::standardization).orElse("none"));
    String viTarget = m.metadata().get(ViCommand.TARGET_KEY);
    if (viTarget != null) {
      out.printf("target:       %s (variational inference)%n", viTarget);
    }
    m.trainingResult()
        .ifPresentOrElse(
            r -> training(out, r, viTarget != null), () -> out.println("training:     unknown"));
    out.flush();
    return 0;
  }

  private static String standardization(Standardization s) {
    return String.format(
        Locale.ROOT,
        "standardize (x - mean) / std as the flow's first layer, log|det| = %.4f nats",
        s.logAbsDet());
  }

  private static void training(PrintWriter out, TrainingResult r, boolean variational) {
    if (variational) {
      out.printf(
          Locale.ROOT,
          "training:     %,d of %,d steps (%s) of %d samples of the flow; final loss %.4f%n",
          r.stepsRun(),
          r.totalSteps(),
          r.stopReason().name().toLowerCase(Locale.ROOT).replace('_', ' '),
          r.batchSize(),
          r.finalTrainLoss());
      out.printf(
          Locale.ROOT,
          "time:         %.1f s, %.3f ms per step (median)%n",
          r.trainSeconds(),
          r.secPerStepMedian() * 1e3);
      return;
    }
    out.printf(
        Locale.ROOT,
        "training:     %,d of %,d steps (%s), batch %d, %.1f epochs; %,d training rows, %,d"
            + " validation rows%n",
        r.stepsRun(),
        r.totalSteps(),
        r.stopReason().name().toLowerCase(Locale.ROOT).replace('_', ' '),
        r.batchSize(),
        r.epochsRun(),
        r.trainRows(),
        r.validationRows());
    if (r.validationRows() > 0) {
      out.printf(
          Locale.ROOT,
          "validation:   best NLL %.4f nats at step %,d%s%n",
          r.bestValidationNll(),
          r.bestStep(),
          r.restoredBest() ? " (parameters of that step kept)" : "");
    }
    out.printf(
        Locale.ROOT,
        "time:         %.1f s, %.3f ms per step (median)%n",
        r.trainSeconds(),
        r.secPerStepMedian() * 1e3);
  }

  /**
   * A one-line summary of a bijector spec: its type, and for a chain the count of each layer type
   * in order of first appearance, e.g. {@code chain of 16 layers: 8 affine-coupling, 8 reverse}.
   */
  static String layers(Json.Obj spec) {
    String type = spec.getString("type");
    if (!spec.has("layers") || !(spec.get("layers") instanceof Json.Arr arr)) {
      return type;
    }
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (int i = 0; i < arr.size(); i++) {
      if (arr.get(i) instanceof Json.Obj o && o.has("type")) {
        counts.merge(o.getString("type"), 1, Integer::sum);
      }
    }
    StringBuilder sb =
        new StringBuilder(type).append(" of ").append(arr.size()).append(" layers: ");
    String sep = "";
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      sb.append(sep).append(e.getValue()).append(' ').append(e.getKey());
      sep = ", ";
    }
    return sb.toString();
  }
}
