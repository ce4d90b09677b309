package io.flows4j.cli;

import io.flows4j.bench.JsonLine;
import io.flows4j.model.FittedModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j eval}: the mean negative log-likelihood of data under a model. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Mean negative log-likelihood of the rows of a CSV file under a model, in nats and in bits"
          + " per dimension (bpd = nll / (D ln 2)). Lower is better; the density is that of the"
          + " raw data, whatever transform the model applies."
    })
final class EvalCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Model file.")
  Path model;

  @Option(names = "--data", required = true, paramLabel = "X.csv", description = "Data to score.")
  Path data;

  @Option(names = "--json", description = "Print one JSON line instead of text.")
  boolean json;

  @Override
  public Integer call() {
    FittedModel m = CommandIo.loadModel(model);
    FittedModel.Evaluation e;
    if (m.isConditional()) {
      // The context columns come from the same file, by name.
      CommandIo.WithContext in = CommandIo.readWithContext(m, data);
      e = m.evaluate(in.data(), in.context());
    } else {
      e = m.evaluate(CommandIo.modelColumns(m, CommandIo.readData(data, null), data));
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(
          new JsonLine()
              .put("data", data.toString())
              .put("rows", e.rows())
              .put("dim", m.dimension())
              .put("nll_nats", e.meanNll())
              .put("bpd", e.bitsPerDim()));
    } else {
      out.printf(
          Locale.ROOT,
          "%s: mean NLL %.4f nats (%.4f bits per dimension) over %,d rows of %d columns%n",
          data,
          e.meanNll(),
          e.bitsPerDim(),
          e.rows(),
          m.dimension());
    }
    out.flush();
    return 0;
  }
}
