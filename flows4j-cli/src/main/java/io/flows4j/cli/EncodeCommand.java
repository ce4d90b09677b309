package io.flows4j.cli;

import io.flows4j.data.ContextEncoding;
import io.flows4j.data.CsvReader;
import io.flows4j.data.CsvWriter;
import io.flows4j.data.Dataset;
import io.flows4j.model.FittedModel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j encode} and {@code flows4j decode}: between data and latent space. */
final class EncodeCommand {
  private EncodeCommand() {}

  /** The options both directions take. */
  abstract static class Base implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Model file.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "IN.csv", description = "Input CSV.")
    Path data;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "OUT.csv",
        description = "Output CSV (gzipped if it ends in .gz).")
    Path out;

    abstract Dataset map(FittedModel m, Dataset in);

    /** The same at each row's context, for a conditional model. */
    abstract Dataset mapAt(FittedModel m, CommandIo.WithContext in);

    CommandIo.WithContext readInput(FittedModel m) {
      return CommandIo.readWithContext(m, data);
    }

    @Override
    public Integer call() {
      CommandIo.requireWritable("--out", out);
      FittedModel m = CommandIo.loadModel(model);
      Dataset result;
      if (m.isConditional()) {
        // The context columns come from the input file, by name, and are written back beside
        // the result.
        CommandIo.WithContext in = readInput(m);
        result = mapAt(m, in);
        CsvWriter.write(
            out, result, CommandIo.contextColumns(m.contextEncoding().orElseThrow(), in.context()));
      } else {
        result = map(m, CommandIo.readData(data, null));
        CsvWriter.write(out, result);
      }
      spec.commandLine()
          .getErr()
          .printf(Locale.ROOT, "%s: wrote %,d rows to %s%n", spec.name(), result.rows(), out);
      return 0;
    }
  }

  /** Data to latent. */
  @Command(
      name = "encode",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Maps data to the latent space of a model (the normalizing direction, x -> z): the output"
            + " has columns z0, z1, ..., distributed as the base (standard normal) if the model"
            + " fits the data."
      })
  static final class Encode extends Base {
    @Override
    Dataset map(FittedModel m, Dataset in) {
      return m.encode(CommandIo.modelColumns(m, in, data));
    }

    @Override
    Dataset mapAt(FittedModel m, CommandIo.WithContext in) {
      return m.encode(in.data(), in.context());
    }
  }

  /** Latent to data. */
  @Command(
      name = "decode",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Maps latent values (D columns, taken in order) back to data (the generative direction,"
            + " z -> x); the output has the model's column names."
      })
  static final class Decode extends Base {
    @Override
    Dataset map(FittedModel m, Dataset in) {
      if (in.columns() != m.dimension()) {
        throw new IllegalArgumentException(
            data
                + " has "
                + in.columns()
                + " columns, but the model's latent space has "
                + m.dimension());
      }
      return m.decode(in);
    }

    @Override
    CommandIo.WithContext readInput(FittedModel m) {
      // The latent columns are the file's columns other than the context ones, in order.
      ContextEncoding enc = m.contextEncoding().orElseThrow();
      java.util.Map<String, String[]> ctx = CommandIo.readWithContextColumns(m, data);
      Dataset z = CsvReader.create().exclude(enc.columnNames()).read(data);
      return new CommandIo.WithContext(map(m, z, true), ctx);
    }

    @Override
    Dataset mapAt(FittedModel m, CommandIo.WithContext in) {
      return m.decode(in.data(), in.context());
    }

    private Dataset map(FittedModel m, Dataset in, boolean check) {
      if (check && in.columns() != m.dimension()) {
        throw new IllegalArgumentException(
            data
                + " has "
                + in.columns()
                + " latent columns besides the context, but the model's latent space has "
                + m.dimension());
      }
      return in;
    }
  }
}
