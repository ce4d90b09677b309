package io.flows4j.cli;

import io.flows4j.bench.JsonLine;
import io.flows4j.data.Dataset;
import io.flows4j.data.Images;
import io.flows4j.model.FittedModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
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
          + " raw data, whatever transform the model applies. For images (--images) the model's"
          + " density is that of dequantized pixels p + u, and bpd bounds the code length of the"
          + " 8-bit images."
    })
final class EvalCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Model file.")
  Path model;

  @Option(names = "--data", paramLabel = "X.csv", description = "Data to score (or --images).")
  Path data;

  @Option(
      names = "--images",
      paramLabel = "IDX|DIR",
      description =
          "Images to score under an image model (IDX file or folder of PNGs), each dequantized"
              + " once with noise fixed by its pixels; bpd is then that of the 8-bit images.")
  Path images;

  @Option(
      names = "--labels",
      paramLabel = "IDX",
      description = "Labels of the --images (the context of a class-conditional image model).")
  Path labels;

  @Option(names = "--json", description = "Print one JSON line instead of text.")
  boolean json;

  @Override
  public Integer call() {
    if ((data == null) == (images == null)) {
      throw new IllegalArgumentException("give the data to score with --data or --images");
    }
    FittedModel m = CommandIo.loadModel(model);
    FittedModel.Evaluation e;
    Path source = data;
    if (images != null) {
      source = images;
      int[] shape = ImageFit.requireImageModel(m, model, "--images");
      if (m.isConditional() && labels == null) {
        throw new IllegalArgumentException(
            "the model is class-conditional; give the images' --labels");
      }
      Images im = Images.read(images, labels);
      ImageFit.requireShape(shape, im, images);
      Dataset x = ImageFit.dequantized(im);
      if (m.isConditional()) {
        String[] l = new String[im.count()];
        for (int i = 0; i < l.length; i++) {
          l[i] = Integer.toString(im.pixels().label(i));
        }
        e = m.evaluate(x, Map.of(ImageFit.LABEL, l));
      } else {
        e = m.evaluate(x);
      }
    } else if (m.isConditional()) {
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
              .put("data", source.toString())
              .put("rows", e.rows())
              .put("dim", m.dimension())
              .put("nll_nats", e.meanNll())
              .put("bpd", e.bitsPerDim()));
    } else {
      out.printf(
          Locale.ROOT,
          "%s: mean NLL %.4f nats (%.4f bits per dimension) over %,d rows of %d columns%n",
          source,
          e.meanNll(),
          e.bitsPerDim(),
          e.rows(),
          m.dimension());
    }
    out.flush();
    return 0;
  }
}
