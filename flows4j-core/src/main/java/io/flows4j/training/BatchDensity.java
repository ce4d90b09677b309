package io.flows4j.training;

import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Var;
import io.flows4j.data.Dataset;
import io.flows4j.flows.ConditionalFlow;
import io.flows4j.flows.Flow;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;

/**
 * What {@link Trainer} trains: a model that gives the log-density of each row of a minibatch of
 * data-set rows, so that one training loop (validation, early stopping, clipping, non-finite
 * handling) serves a {@link Flow} and a {@link ConditionalFlow}. A conditional model reads its rows
 * as {@code [x | c]}: the first {@link #dataColumns()} columns are the data, the rest the context.
 */
public interface BatchDensity {

  /** The module whose parameters are trained (and whose mode and state the trainer manages). */
  Module module();

  /** The leading columns of a row that are data (input noise goes only there). */
  int dataColumns();

  /**
   * The log-density of each row.
   *
   * @param rows of shape {@code [batch, columns]}
   * @return of shape {@code [batch]}
   */
  Var logProb(Var rows);

  /**
   * Checks that rows of {@code data} fit the model.
   *
   * @throws io.flows4j.tensor.ShapeMismatchException with a message naming the columns if not
   */
  void requireFits(Dataset data);

  /** A flow: every column is data. */
  static BatchDensity of(Flow flow) {
    Checks.requireArgument(flow != null, "Trainer: flow must not be null");
    return new BatchDensity() {
      @Override
      public Module module() {
        return flow;
      }

      @Override
      public int dataColumns() {
        return -1;
      }

      @Override
      public Var logProb(Var rows) {
        return flow.logProb(rows);
      }

      @Override
      public void requireFits(Dataset data) {
        int d = data.columns();
        Shape latent = flow.transform().forwardEventShape(Shape.of(d));
        Checks.requireShape(
            latent.equals(flow.base().eventShape()),
            "Trainer: the flow does not fit data with %d columns (%s): its transform maps %s to"
                + " %s, but its base distribution has event shape %s",
            d,
            String.join(", ", data.columnNames()),
            Shape.of(d),
            latent,
            flow.base().eventShape());
      }
    };
  }

  /**
   * A conditional flow on rows {@code [x | c]}: the first {@code dataColumns} columns are {@code
   * x}, the remaining {@link ConditionalFlow#contextFeatures()} the raw context {@code c}.
   *
   * @throws IllegalArgumentException if {@code dataColumns < 1}
   */
  static BatchDensity of(ConditionalFlow flow, int dataColumns) {
    Checks.requireArgument(flow != null, "Trainer: flow must not be null");
    Checks.requirePositive(dataColumns, "Trainer", "data columns");
    int contextColumns = flow.contextFeatures();
    return new BatchDensity() {
      @Override
      public Module module() {
        return flow;
      }

      @Override
      public int dataColumns() {
        return dataColumns;
      }

      @Override
      public Var logProb(Var rows) {
        Var[] parts = ShapeOps.split(rows, 1, dataColumns, contextColumns);
        return flow.logProb(parts[0], parts[1]);
      }

      @Override
      public void requireFits(Dataset data) {
        Checks.requireShape(
            data.columns() == dataColumns + contextColumns
                && flow.baseEventShape().equals(Shape.of(dataColumns)),
            "Trainer: the conditional flow takes %d data and %d context columns (base event %s),"
                + " but the data have %d columns (%s)",
            dataColumns,
            contextColumns,
            flow.baseEventShape(),
            data.columns(),
            String.join(", ", data.columnNames()));
      }
    };
  }

  /**
   * 8-bit data (images) modelled after uniform dequantization: rows hold pixel values {@code p in
   * 0..255} in their data columns, and {@code model} is given {@code y = p + u}, {@code u ~ U[0,
   * 1)} per value, with fresh noise for every minibatch in training mode and, in evaluation mode,
   * noise that is a fixed function of each image ({@link io.flows4j.data.Dequantization#addFixed}),
   * so that validation figures repeat. The log-density is that of {@code y}; its mean NLL over
   * {@code D} values per row gives the bits per dimension of the 8-bit data, {@code NLL / (D ln 2)}
   * ({@link io.flows4j.data.Dequantization#bitsPerDimOfPixels}). Train with input noise 0.
   *
   * @param model the model of {@code y} (for images, a flow whose first layer divides by 256)
   * @param seed seed of the training noise
   */
  static BatchDensity dequantized(BatchDensity model, long seed) {
    Checks.requireArgument(model != null, "Trainer: model must not be null");
    return new DequantizedDensity(model, seed);
  }
}
