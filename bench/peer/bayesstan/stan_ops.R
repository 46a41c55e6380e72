# Stan's time per scalar op: for each op, a model of N parameters in
# (0.5, 2) (Stan's interval transform) whose log density adds op(x[i]) (or
# op(x[i], x[i-1])) for every i, and a baseline that adds x[i]; run with
# static HMC (no adaptation) so that the time per leapfrog step is the time
# per gradient. The op's cost is (model - baseline) / (N - 1).
# Prints the seconds per gradient of the op's model. One op per process:
# loading many compiled models into one R session crashes rstan 2.21.
# Usage: Rscript stan_ops.R DIR N OP
suppressMessages(library(rstan))
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
n <- as.integer(args[2])
op <- args[3]
ops <- c(baseline = "x[i]", add = "x[i] + x[i - 1]", mul = "x[i] * x[i - 1]",
         div = "x[i] / x[i - 1]", exp = "exp(x[i])", square = "square(x[i])",
         log = "log(x[i])", inv_logit = "inv_logit(x[i])", log1p_exp = "log1p_exp(x[i])",
         tanh = "tanh(x[i])")
rds <- file.path(dir, paste0("op_", op, ".rds"))
code <- paste0("data { int N; } parameters { vector<lower=0.5, upper=2>[N] x; } model { ",
               "for (i in 2:N) target += ", ops[[op]], "; }")
if (file.exists(rds)) model <- readRDS(rds) else {
  model <- stan_model(model_code = code)
  saveRDS(model, rds)
}
fit <- sampling(model, data = list(N = n), chains = 1, iter = 600, warmup = 100,
                algorithm = "HMC", seed = 1, refresh = 0, init = 1,
                control = list(adapt_engaged = FALSE, stepsize = 1e-3, int_time = 1e-2))
# Static HMC takes int_time / stepsize = 10 leapfrog steps per iteration.
cat(get_elapsed_time(fit)[1, "sample"] / (500 * 10), "\n")
