# Stan's NUTS on the targets written by `go run ./bench/peer/nutsstan -write`:
# 4 chains, 1000 warm-up and 1000 kept iterations (Stan's defaults), with the
# metric given (diag_e, Stan's default, or dense_e), seeds 1…seeds (or
# FIRST…seeds). Writes <target>_<metric>_<seed>_draws.csv with chain, draw,
# n_leapfrog, stepsize, accept_stat, x1…xd.
#
#   Rscript stan_nuts.R DIR [diag_e|dense_e|unit_e] [SEEDS] [FIRST]
#
# Environment: NUTSSTAN_TARGETS (comma-separated, default iso,diag,corr);
# NUTSSTAN_CORES (default 2; 1 runs the chains one after another in this
# process, much faster on a loaded machine); NUTSSTAN_STEP, a
# fixed step size with adaptation off (adapt_engaged = FALSE), for unit_e:
# the transitions alone, without warm-up's tuning (nutsstan -metric unit -step).
suppressMessages(library(rstan))
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
metric <- if (length(args) >= 2) args[2] else "diag_e"
seeds <- if (length(args) >= 3) as.integer(args[3]) else 1
first <- if (length(args) >= 4) as.integer(args[4]) else 1
targets <- strsplit(Sys.getenv("NUTSSTAN_TARGETS", "iso,diag,corr"), ",")[[1]]
cores <- as.integer(Sys.getenv("NUTSSTAN_CORES", "2"))
step <- as.numeric(Sys.getenv("NUTSSTAN_STEP", "0"))
control <- list(metric = metric)
if (step > 0) control <- list(metric = metric, adapt_engaged = FALSE, stepsize = step)
code <- "
data { int<lower=1> d; matrix[d, d] L; }
parameters { vector[d] x; }
model { x ~ multi_normal_cholesky(rep_vector(0, d), L); }
"
model <- stan_model(model_code = code)
for (name in targets) {
  L <- as.matrix(read.csv(file.path(dir, paste0(name, "_chol.csv")), header = FALSE))
  for (seed in first:seeds) {
    t0 <- proc.time()[["elapsed"]]
    fit <- sampling(model, data = list(d = nrow(L), L = L), chains = 4, iter = 2000,
                    warmup = 1000, seed = seed, refresh = 0, cores = cores,
                    control = control)
    secs <- proc.time()[["elapsed"]] - t0
    x <- as.array(fit, pars = "x")            # iterations × chains × d
    sp <- get_sampler_params(fit, inc_warmup = FALSE)
    rows <- list()
    for (c in 1:dim(x)[2]) {
      rows[[c]] <- cbind(chain = c, draw = 1:dim(x)[1], n_leapfrog = sp[[c]][, "n_leapfrog__"],
                         stepsize = sp[[c]][, "stepsize__"], accept_stat = sp[[c]][, "accept_stat__"], x[, c, ])
    }
    write.csv(do.call(rbind, rows), file.path(dir, paste0(name, "_", metric, "_", seed, "_draws.csv")), row.names = FALSE)
    spw <- get_sampler_params(fit, inc_warmup = TRUE)
    leap <- sum(sapply(sp, function(s) sum(s[, "n_leapfrog__"])))
    cat(name, metric, "seed", seed, ": sampling leapfrog", leap,
        ", warm-up leapfrog", sum(sapply(spw, function(s) sum(s[, "n_leapfrog__"]))) - leap,
        ", seconds (sums over chains) warm-up", sum(get_elapsed_time(fit)[, "warmup"]),
        "sampling", sum(get_elapsed_time(fit)[, "sample"]), ", wall", secs, "\n")
  }
}
