# Reference posterior of the example's logistic regression, for its test:
# Stan's NUTS, run long, its posterior means and sds written to
# testdata/reference.csv (the draws are not kept). Run from this folder:
#
#	Rscript reference.R
#
# The data are the UCI digits shipped with goebm, the 0s and 1s only, their
# 64 pixels divided by 16; the model is the example's: y ~ Bernoulli(σ(α +
# x·β)), α and β independent N(0, 1).
suppressMessages(library(rstan))

code <- "
data {
  int<lower=0> N;
  int<lower=0> D;
  matrix[N, D] x;
  int<lower=0, upper=1> y[N];
}
parameters {
  real alpha;
  vector[D] beta;
}
model {
  alpha ~ normal(0, 1);
  beta ~ normal(0, 1);
  y ~ bernoulli_logit(alpha + x * beta);
}
"
d <- read.csv(gzfile("../../dataset/data/digits.csv.gz"), header = FALSE)
d <- d[d[, 65] <= 1, ]
data <- list(N = nrow(d), D = 64, x = as.matrix(d[, 1:64]) / 16, y = d[, 65])
m <- stan_model(model_code = code)
fit <- sampling(m, data = data, chains = 4, iter = 12000, warmup = 2000,
                seed = 20260102, cores = 2, refresh = 0)
s <- summary(fit)$summary
s <- s[rownames(s) != "lp__", ]
div <- sum(sapply(get_sampler_params(fit, inc_warmup = FALSE), function(p) sum(p[, "divergent__"])))
out <- data.frame(name = rownames(s), mean = s[, "mean"], sd = s[, "sd"],
                  mcse = s[, "se_mean"], ess = s[, "n_eff"], rhat = s[, "Rhat"])
out[, -1] <- signif(out[, -1], 8)
cat(sprintf("# Stan %s (rstan %s), %d images, 4 chains x 10000 draws after 2000 warm-up, seed 20260102; %d divergences\n",
            stan_version(), packageVersion("rstan"), nrow(d), div),
    file = "testdata/reference.csv")
suppressWarnings(write.table(out, "testdata/reference.csv", sep = ",", quote = FALSE,
                             row.names = FALSE, append = TRUE))
print(summary(out$ess))
print(summary(out$rhat))
print(get_elapsed_time(fit))
